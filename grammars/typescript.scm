; TypeScript and TSX: the captures of grammars/javascript.scm (prepended when the query is built),
; plus TypeScript's own declarations. `import AWS = require('aws-sdk')` is an import_statement too.
; What counts as an AWS client is decided in src/sdk/javascript.rs.

(abstract_class_declaration
  name: (_) @definition)

; `import S3 = AWS.S3`: an alias of an entity.
(import_alias) @import_alias

; `namespace AWS {}` / `module AWS {}` shadow an imported name in their scope.
(internal_module
  name: (identifier) @definition)

(module
  name: (identifier) @definition)
