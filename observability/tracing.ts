/**
 * OpenTelemetry tracing (OTEL_EXPORTER_OTLP_ENDPOINT set): spans for workflows, activities and HTTP calls through
 * @temporalio/interceptors-opentelemetry. Those packages are not installed yet, so this module only says what is
 * missing; the worker starts without traces and logs one warning. README "Observability" lists the packages.
 */
export const TRACING_PACKAGES = [
  '@temporalio/interceptors-opentelemetry@1.24.0',
  '@opentelemetry/api@^1.9.0',
  '@opentelemetry/sdk-trace-node@^1.30.0',
  '@opentelemetry/exporter-trace-otlp-http@^0.57.0',
  '@opentelemetry/resources@^1.30.0',
] as const;

/** The tracing packages this installation lacks (none: tracing can be turned on). */
export function missingTracingPackages(resolve: (id: string) => string = require.resolve): string[] {
  return TRACING_PACKAGES.map((spec) => spec.replace(/(?<=.)@[^@]*$/, '')).filter((name) => {
    try {
      resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}
