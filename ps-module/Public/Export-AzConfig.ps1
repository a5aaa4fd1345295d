function Export-AzConfig {
    <#
    .SYNOPSIS
        Saves the CurrentUser configs (a copy of PSConfig.json) to a file, for Import-AzConfig.
    .EXAMPLE
        Export-AzConfig -Path ./config.json
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    [OutputType([bool])]
    param(
        [Parameter(Mandatory = $true, Position = 0, HelpMessage = 'Specifies the path of the file to which to save the configs.')]
        [ValidateNotNullOrEmpty()]
        [string]$Path,

        [Parameter(HelpMessage = 'Overwrites the given file if it exists.')]
        [switch]$Force,

        [Parameter(HelpMessage = 'Returns a boolean value indicating success or failure.')]
        [switch]$PassThru
    )
    $full = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
    if (-not $PSCmdlet.ShouldProcess('all the configs at CurrentUser scope', "Export configs to file at $full")) { return }
    if ([System.IO.File]::Exists($full) -and -not $Force) {
        if (-not $PSCmdlet.ShouldContinue("Overwrite existing file at $full", '')) { return }
    }
    $null = Invoke-AzRsNative -Op 'config.export' -Arguments @{ path = $full } -Cmdlet $PSCmdlet
    if ($PassThru) { $true }
}
