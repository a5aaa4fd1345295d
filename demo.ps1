<#
.SYNOPSIS
    The README's run command (./build.ps1 -Demo): starts the emulator, signs in to it as a service
    principal, shows the context and a token's expiry, and stops the emulator. Uses a throwaway
    profile folder, so your own ~/.Azure is not touched.
#>
$ErrorActionPreference = 'Stop'
$root = $PSScriptRoot
. (Join-Path $root 'tests/SignIn.Helpers.ps1')
$savedHome = $env:HOME; $savedProfile = $env:USERPROFILE; $savedXdg = $env:XDG_DATA_HOME; $savedCa = $env:SSL_CERT_FILE
$demoHome = New-TestHome
$emu = $null
try {
    Import-Module (Join-Path $root 'AzRs.psd1') -Force
    $emu = Start-TestEmulator
    Write-Host "Emulator on $($emu.authority) (CA $($emu.caPath))" -ForegroundColor Cyan
    Register-TestEnvironment $emu
    $secret = ConvertTo-SecureString 'Emu.Secret-c1~not-a-real-secret' -AsPlainText -Force   # public test data of the emulator
    $credential = [pscredential]::new('00000000-0000-0000-0000-0000000000c1', $secret)

    Write-Host "`nConnect-AzAccount -ServicePrincipal -Credential `$credential -Tenant contoso.onmicrosoft.com -Environment AzRsEmulator" -ForegroundColor Cyan
    Connect-AzAccount -ServicePrincipal -Credential $credential -Tenant 'contoso.onmicrosoft.com' -Environment AzRsEmulator -WarningAction SilentlyContinue | Format-Table | Out-Host

    Write-Host 'Get-AzContext' -ForegroundColor Cyan
    if (Get-Command Get-AzContext -Module AzRs -ErrorAction SilentlyContinue) { Get-AzContext | Format-Table -AutoSize | Out-Host }

    Write-Host 'Get-AzAccessToken | Select-Object ExpiresOn, TenantId, UserId, Type' -ForegroundColor Cyan
    Get-AzAccessToken | Select-Object ExpiresOn, TenantId, UserId, Type | Format-List | Out-Host
}
finally {
    Stop-TestEmulator $emu
    Write-Host 'Emulator stopped.' -ForegroundColor Cyan
    $env:HOME = $savedHome; $env:USERPROFILE = $savedProfile; $env:XDG_DATA_HOME = $savedXdg; $env:SSL_CERT_FILE = $savedCa
    Remove-Item -Recurse -Force $demoHome -ErrorAction SilentlyContinue
}
