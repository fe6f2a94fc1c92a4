; JavaScript shapes awsredirect reads: imports, bindings, scopes, `new` expressions and calls.
; The captures are generic JavaScript; what counts as an AWS client is decided in
; src/sdk/javascript.rs. TypeScript / TSX use them too, plus grammars/typescript.scm.

(import_statement) @import

(variable_declarator
  name: (_) @target
  value: (_) @value)

(assignment_expression
  left: (identifier) @target
  right: (_) @value)

(class_declaration
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

