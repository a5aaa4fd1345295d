function Get-AzRsEngine {
    <#
    .SYNOPSIS
        Shows which AzRs engine library this session uses (version, ABI, platform, path).
    #>
    [CmdletBinding()]
    [OutputType('AzRs.EngineInfo')]
    param()
    $info = Invoke-AzRsNative -Op 'engine.info' -Cmdlet $PSCmdlet -NoEnvironment
    [pscustomobject]@{
        PSTypeName = 'AzRs.EngineInfo'
        Version    = $info.version
        Abi        = $info.abi
        Platform   = "$($info.os)-$($info.arch)"
        Library    = Get-AzRsNativeLibraryPath
    }
}
