# Tab completion for context names and environment names. The script blocks run only on Tab.

$script:AzRsCompleteContextName = {
    param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
    $names = @()
    try { Import-AzRsChunk 'Native'; $names = @(Invoke-AzRsNative -Op 'context.names') } catch { return }
    foreach ($n in $names) {
        if ($n -like "$wordToComplete*" -or $n -like "'$wordToComplete*") {
            $text = $n
            if ($n -match '[\s()''$@{}]') { $text = "'" + ($n -replace "'", "''") + "'" }
            [System.Management.Automation.CompletionResult]::new($text, $n, 'ParameterValue', $n)
        }
    }
}

$script:AzRsCompleteEnvironmentName = {
    param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
    $names = @()
    try { Import-AzRsChunk 'Native'; $names = @(Invoke-AzRsNative -Op 'environment.names') } catch { return }
    foreach ($n in $names) {
        if ($n -like "$wordToComplete*") { [System.Management.Automation.CompletionResult]::new($n, $n, 'ParameterValue', $n) }
    }
}

Register-ArgumentCompleter -CommandName 'Get-AzContext', 'Select-AzContext', 'Remove-AzContext' -ParameterName 'Name' -ScriptBlock $script:AzRsCompleteContextName
Register-ArgumentCompleter -CommandName 'Rename-AzContext' -ParameterName 'SourceName' -ScriptBlock $script:AzRsCompleteContextName
Register-ArgumentCompleter -CommandName 'Get-AzEnvironment', 'Set-AzEnvironment', 'Remove-AzEnvironment' -ParameterName 'Name' -ScriptBlock $script:AzRsCompleteEnvironmentName
Register-ArgumentCompleter -CommandName 'Connect-AzAccount' -ParameterName 'Environment' -ScriptBlock $script:AzRsCompleteEnvironmentName
