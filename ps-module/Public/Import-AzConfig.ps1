function Import-AzConfig {
    <#
    .SYNOPSIS
        Merges configs saved by Export-AzConfig into the CurrentUser configs (PSConfig.json).
    .EXAMPLE
        Import-AzConfig -Path ./config.json
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    [OutputType([bool])]
    param(
        [Parameter(Mandatory = $true, Position = 0, HelpMessage = 'Specifies the path to configuration saved by using Export-AzConfig.')]
        [ValidateNotNullOrEmpty()]
        [string]$Path,

        [Parameter(HelpMessage = 'Returns a boolean value indicating success or failure.')]
        [switch]$PassThru
    )
    $full = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
    if (-not $PSCmdlet.ShouldProcess($full, 'Import configs from config file')) { return }
    $null = Invoke-AzRsNative -Op 'config.import' -Arguments @{ path = $full } -Cmdlet $PSCmdlet
    if ($PassThru) { $true }
}
