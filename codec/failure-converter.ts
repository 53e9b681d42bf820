// The failure converter of encrypting workers and clients: error messages and stack traces move into an encoded
// payload (the codec then encrypts it) instead of staying plaintext in the history. Temporal loads it by path
// (DataConverter.failureConverterPath): require()d on the worker's and the client's main thread, and bundled into
// the workflow sandbox by bundleWorkflowCode({ failureConverterPath }).
//
// Deliberately plain CommonJS, without TypeScript syntax or `import`: Node 20 cannot require() TypeScript, and the
// tests run workers from the .ts sources. codec/data-converter.ts picks this file or its compiled .js.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DefaultFailureConverter } = require('@temporalio/common');

module.exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
