function Save-AzContext {
    <#
    .SYNOPSIS
        Saves this session's contexts to a file in Az.Accounts' AzureRmContext.json format.
    .NOTES
        -WithCredential: the token cache is not included yet (it arrives with sign-in); the file's
        TokenCache.CacheData stays null.
    #>
    [CmdletBinding(SupportsShouldProcess)]
    [OutputType('Microsoft.Azure.Commands.Profile.Models.Core.PSAzureProfile')]
    param(
        [Parameter(Position = 0, ValueFromPipeline)]
        [psobject]$Profile,

        [Parameter(Mandatory, Position = 1)]
        [string]$Path,

        [switch]$Force,

        [switch]$WithCredential,

        [Alias('AzContext', 'AzureRmContext', 'AzureCredential')]
        [psobject]$DefaultProfile
    )
    process {
        $full = Resolve-AzRsPath -Path $Path -Cmdlet $PSCmdlet
        if (-not $PSCmdlet.ShouldProcess($full, 'Save contexts')) { return }
        if ((Test-Path -LiteralPath $full) -and -not $Force) {
            if (-not $PSCmdlet.ShouldContinue("Overwrite existing file at '$full'?", 'Save context')) { return }
        }
        $result = Invoke-AzRsNative -Op 'context.save' -Arguments @{ path = $full } -Cmdlet $PSCmdlet
        ConvertTo-AzRsProfileObject $result
    }
}

Set-Alias -Name Save-AzProfile -Value Save-AzContext
