function Save-AzContext {
    <#
    .SYNOPSIS
        Saves this session's contexts to a file in Az.Accounts' AzureRmContext.json format.
    .DESCRIPTION
        With -Profile a PSAzureProfile (Connect-AzAccount's output, Import-AzContext's) saves the
        session's profile it stands for; a PSAzureContext (Get-AzContext | Save-AzContext) saves
        that context alone, as Az converts a context to a profile of one. The token cache travels
        in TokenCache.CacheData, as in Az.
    #>
    [Alias('Save-AzProfile')]
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
        $arguments = @{ path = $full }
        if ($null -ne $Profile -and $Profile.pstypenames -contains $script:AzRsTypeContext) { $arguments.name = [string]$Profile.Name }
        $result = Invoke-AzRsNative -Op 'context.save' -Arguments $arguments -Cmdlet $PSCmdlet
        ConvertTo-AzRsProfileObject $result
    }
}
