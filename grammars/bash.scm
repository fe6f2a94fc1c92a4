; Shell shapes awsredirect reads: every simple command, wherever it sits (lists, pipelines,
; compound statements, functions, subshells, `$(...)` and backticks, also inside strings,
; assignments, arrays and unquoted heredoc bodies).
; The captures are generic shell; which commands are `aws` CLI calls is decided in src/sdk/shell.rs.

(command
  name: (command_name) @name) @command

(variable_assignment) @assignment
