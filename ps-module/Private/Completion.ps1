# Tab completion for context and environment names. Public parameters name it in an
# [ArgumentCompleter()] attribute (evaluated only on Tab), which calls into the module:
#   [ArgumentCompleter({ & (Get-Module AzRs) { Import-AzRsChunk 'Completion'; Complete-AzRsName 'Context' @args } @args })]
# Register-ArgumentCompleter would do the same at import, at ~40 ms for its first call.

function Complete-AzRsName {
    param([string]$Kind, $commandName, $parameterName, [string]$wordToComplete, $commandAst, $fakeBoundParameters)
    $op = 'context.names'
    if ($Kind -eq 'Environment') { $op = 'environment.names' }
    $names = @()
    try { $names = @(Invoke-AzRsNative -Op $op) } catch { return }
    $word = $wordToComplete.Trim("'", '"')
    foreach ($n in $names) {
        if ($n -like "$word*") {
            $text = $n
            if ($n -match '[\s()''$@{}]') { $text = "'" + ($n -replace "'", "''") + "'" }
            [System.Management.Automation.CompletionResult]::new($text, $n, 'ParameterValue', $n)
        }
    }
}
