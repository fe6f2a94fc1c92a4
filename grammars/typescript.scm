; TypeScript and TSX: the captures of grammars/javascript.scm (prepended when the query is built),
; plus TypeScript's own declarations. `import AWS = require('aws-sdk')` is an import_statement too.
; What counts as an AWS client is decided in src/sdk/javascript.rs.

(abstract_class_declaration
  name: (_) @definition)
