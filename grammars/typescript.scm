; TypeScript and TSX shapes awsredirect reads: the captures of grammars/javascript.scm, plus
; TypeScript's own declarations. `import AWS = require('aws-sdk')` is an import_statement too.
; What counts as an AWS client is decided in src/sdk/javascript.rs.

(import_statement) @import

(variable_declarator
  name: (_) @target
  value: (_) @value)

(assignment_expression
  left: (identifier) @target
  right: (_) @value)

(class_declaration
  name: (_) @definition)

(abstract_class_declaration
  name: (_) @definition)

(function_declaration
  name: (_) @definition)

(generator_function_declaration
  name: (_) @definition)

(formal_parameters) @parameters

(arrow_function
  parameter: (identifier) @parameter)

(catch_clause
  parameter: (_) @parameter)

(new_expression
  constructor: (_) @constructor) @new

(call_expression
  function: (_) @callee
  arguments: (arguments) @arguments) @call

