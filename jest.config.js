const jestJupyterLab = require('@jupyterlab/testing/lib/jest-config');

const esModules = [
  '@codemirror',
  '@jupyter/ydoc',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@microsoft',
  '@jupyterlab/',
  'exenv-es6',
  'lib0',
  'marked',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

const baseConfig = jestJupyterLab(__dirname);

module.exports = {
  ...baseConfig,
  automock: false,
  reporters: ['default'],
  modulePathIgnorePatterns: ['<rootDir>/amlx_lab/labextension', '<rootDir>/.venv'],
  testRegex: 'labextension/src/.*/.*\\.spec\\.tsx?$',
  transform: {
    '\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
    ...baseConfig.transform
  },
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`]
};
