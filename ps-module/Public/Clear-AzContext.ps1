function Clear-AzContext {
    <#
    .SYNOPSIS
        Removes all saved contexts (for this process with -Scope Process, else for the user).
    .NOTES
        Az.Accounts also clears the token cache here; AzRs will, once sign-in lands (the engine hook
        is clear_token_cache_hook in rust-core/src/ops/context.rs).
    #>
    [CmdletBinding(SupportsShouldProcess)]
    [OutputType([bool])]
    param(
        [switch]$Force,

        [switch]$PassThru,

        [ValidateSet('Process', 'CurrentUser')]
        [string]$Scope,

        [Alias('AzContext', 'AzureRmContext', 'AzureCredential')]
        [psobject]$DefaultProfile
    )
    $what = 'Remove all accounts and subscriptions for the current user'
    if ($Scope -eq 'Process') { $what = 'Remove all accounts and subscriptions in the current process' }
    if (-not $PSCmdlet.ShouldProcess('contexts', $what)) { return }
    if (-not $Force -and -not $PSCmdlet.ShouldContinue("$what?", 'Clear contexts')) { return }
    $result = Invoke-AzRsNative -Op 'context.clear' -Arguments @{ scope = (Get-AzRsScopeArgument $PSBoundParameters) } -Cmdlet $PSCmdlet
    if ($PassThru) { [bool]$result }
}
