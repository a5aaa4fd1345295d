# Shared by the SignIn*.Tests.ps1 suites: start the emulator, isolate the profile, register the
# emulator as an environment, talk to its admin API. Dot-source in BeforeAll.

$script:RepoRoot = Split-Path $PSScriptRoot -Parent

function Get-TestEmulatorPath {
    $arch = [System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant()
    $os = 'linux'; $exe = 'azrs-emulator'
    if ($IsWindows) { $os = 'win'; $exe = 'azrs-emulator.exe' } elseif ($IsMacOS) { $os = 'osx' }
    Join-Path $script:RepoRoot "ps-module/bin/$os-$arch/$exe"
}

function Start-TestEmulator {
    # Starts azrs-emulator on a free port; returns its startup JSON plus the process.
    param([string[]]$ArgumentList = @())
    $psi = [System.Diagnostics.ProcessStartInfo]::new((Get-TestEmulatorPath))
    foreach ($a in @('--port', '0') + $ArgumentList) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $p = [System.Diagnostics.Process]::Start($psi)
    $line = $p.StandardOutput.ReadLine()
    if (-not $line) { throw "azrs-emulator did not start: $($p.StandardError.ReadToEnd())" }
    $info = $line | ConvertFrom-Json
    $info | Add-Member -NotePropertyName Process -NotePropertyValue $p
    return $info
}

function Stop-TestEmulator {
    param($Emulator)
    if ($null -ne $Emulator -and -not $Emulator.Process.HasExited) { $Emulator.Process.Kill(); $Emulator.Process.WaitForExit(5000) | Out-Null }
}

function New-TestHome {
    # A fresh profile folder for this process: contexts, config, token cache all go there.
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) ('azrs-signin-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $dir
    $env:HOME = $dir
    $env:USERPROFILE = $dir
    $env:XDG_DATA_HOME = Join-Path $dir '.local/share'
    $env:AzureRmContextAutoSave = $null
    return $dir
}

function Register-TestEnvironment {
    # Registers the emulator as environment 'AzRsEmulator' and trusts its CA for this session.
    param($Emulator, [string]$Name = 'AzRsEmulator')
    $env:SSL_CERT_FILE = $Emulator.caPath
    $authority = $Emulator.authority + '/'
    if (Get-Command Add-AzEnvironment -Module AzRs -ErrorAction SilentlyContinue) {
        $null = Add-AzEnvironment -Name $Name -ActiveDirectoryEndpoint $authority -ResourceManagerEndpoint $Emulator.arm `
            -ActiveDirectoryServiceEndpointResourceId 'https://management.core.windows.net/'
    }
    else {
        $obj = @{ Name = $Name; Type = 'User-defined'; ActiveDirectoryAuthority = $authority; ResourceManagerUrl = $Emulator.arm
            ActiveDirectoryServiceEndpointResourceId = 'https://management.core.windows.net/' }
        & (Get-Module AzRs) { param($o) Import-AzRsChunk -All; $null = Invoke-AzRsNative -Op 'auth.registerEnvironment' -Arguments $o } $obj
    }
}

function Invoke-EmulatorAdmin {
    param($Emulator, [string]$Path, $Body, [string]$Method = 'Post')
    $uri = $Emulator.http + '/admin/' + $Path
    if ($Method -eq 'Get') { return Invoke-RestMethod -Uri $uri -Method Get }
    if ($Method -eq 'Delete') { return Invoke-RestMethod -Uri $uri -Method Delete }
    $json = '{}'
    if ($null -ne $Body) { $json = $Body | ConvertTo-Json -Depth 10 -Compress }
    return Invoke-RestMethod -Uri $uri -Method Post -Body $json -ContentType 'application/json'
}

function Get-TestSeed {
    Get-Content (Join-Path $script:RepoRoot 'emulator/seed/default.json') -Raw | ConvertFrom-Json
}
