; Python shapes awsredirect reads: imports, bindings, scopes and calls.
; The captures are generic Python; what counts as an AWS client is decided in src/sdk/python.rs.

(import_statement) @import
(import_from_statement) @import_from

(assignment
  left: (_) @target
  right: (_) @value)

(named_expression
  name: (identifier) @target
  value: (_) @value)

(with_item
  value: (as_pattern
    (_) @value
    alias: (as_pattern_target (identifier) @target)))

(function_definition
  name: (identifier) @definition
  parameters: (parameters) @parameters)

(class_definition
  name: (identifier) @definition)

(lambda
  parameters: (lambda_parameters) @parameters)

(call
  function: (_) @callee
  arguments: (argument_list) @arguments) @call

