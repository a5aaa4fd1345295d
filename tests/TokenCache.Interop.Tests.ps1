# Token cache single sign-on with Az.Accounts: the cache AzRs writes is read by MSAL.NET set up
# exactly as Az.Accounts sets it up (Microsoft.Identity.Client.Extensions.Msal, same name, folder,
# keyring attributes, lock), and the other way round. Runs twice in CI:
#   - here, without a Secret Service (DBUS_SESSION_BUS_ADDRESS removed): the plaintext 0600 file;
#   - from tests/keyring/run.sh, under dbus-run-session with an unlocked gnome-keyring
#     (AZRS_TEST_KEYRING=1): the libsecret item.
# MSAL.NET runs in a child pwsh (tests/interop/MsalNet.ps1) against an in-memory IdP.

BeforeAll {
    $script:keyringMode = $env:AZRS_TEST_KEYRING -eq '1'
    $script:saved = @{}
    foreach ($n in 'HOME', 'XDG_DATA_HOME', 'DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR') { $script:saved[$n] = [Environment]::GetEnvironmentVariable($n) }
    $script:root = Join-Path ([IO.Path]::GetTempPath()) ("azrs-cache-" + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $script:root
    $env:HOME = Join-Path $script:root 'home'
    $env:XDG_DATA_HOME = Join-Path $script:root 'data'
    $null = New-Item -ItemType Directory -Path $env:HOME, $env:XDG_DATA_HOME
    # No Secret Service reachable at all (XDG_RUNTIME_DIR/bus is the systemd user bus fallback).
    if (-not $script:keyringMode) { $env:DBUS_SESSION_BUS_ADDRESS = $null; $env:XDG_RUNTIME_DIR = $null }
    $script:cacheDir = Join-Path $env:XDG_DATA_HOME '.IdentityService'
    $script:cacheFile = Join-Path $script:cacheDir 'msal.cache.cae'
    $script:helper = Join-Path $PSScriptRoot 'interop/MsalNet.ps1'
    $script:pwsh = (Get-Process -Id $PID).Path

    Import-Module (Join-Path $PSScriptRoot '../AzRs.psd1') -Force
    function script:Invoke-Engine([string]$Op, $Arguments = @{}) {
        & (Get-Module AzRs) { param($o, $a) Import-AzRsChunk -All; Invoke-AzRsNative -Op $o -Arguments $a } $Op $Arguments
    }
    function script:Invoke-MsalNet([string[]]$Arguments) {
        $out = & $script:pwsh -NoProfile -NonInteractive -File $script:helper @Arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "MsalNet.ps1 $Arguments failed: $out" }
        ($out | Where-Object { "$_".StartsWith('{') } | Select-Object -Last 1) | ConvertFrom-Json
    }
    function script:Get-Sha256([string]$Text) {
        $h = [Security.Cryptography.SHA256]::Create().ComputeHash([Text.Encoding]::UTF8.GetBytes($Text))
        ($h | ForEach-Object { $_.ToString('x2') }) -join ''
    }
    function script:ConvertTo-B64Url([string]$s) { [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($s)).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
    function script:Reset-Cache {
        Invoke-Engine 'cache.clear' | Out-Null
    }
    $script:oid = '22222222-2222-2222-2222-222222222222'
    $script:tid = '11111111-1111-1111-1111-111111111111'
    $script:homeId = "$($script:oid).$($script:tid)"
    $script:clientId = '1950a258-227b-4e31-a9cf-717495945fc2'
    $script:arm = 'https://management.core.windows.net//.default'
    function script:New-Response([string]$At, [string]$Rt) {
        $idt = (ConvertTo-B64Url '{"alg":"none"}') + '.' + (ConvertTo-B64Url ('{"oid":"' + $script:oid + '","tid":"' + $script:tid + '","preferred_username":"alice@contoso.test","name":"Alice","exp":4000000000}')) + '.'
        @{
            token_type = 'Bearer'; scope = "https://management.core.windows.net//user_impersonation $($script:arm)"
            expires_in = 3599; ext_expires_in = 3599; access_token = $At; refresh_token = $Rt; foci = '1'
            id_token = $idt; client_info = (ConvertTo-B64Url ('{"uid":"' + $script:oid + '","utid":"' + $script:tid + '"}'))
        }
    }
}

AfterAll {
    Remove-Module AzRs -Force -ErrorAction SilentlyContinue
    foreach ($n in $script:saved.Keys) { [Environment]::SetEnvironmentVariable($n, $script:saved[$n]) }
    Remove-Item -LiteralPath $script:root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Token cache shared with Az.Accounts (MSAL.NET) - <_>' -ForEach @(if ($env:AZRS_TEST_KEYRING -eq '1') { 'keyring' } else { 'no keyring' }) {
    It 'picks the persistence Az.Accounts would pick, and warns about plaintext exactly once' {
        $info = Invoke-Engine 'cache.info'
        $info.path | Should -Be $script:cacheFile
        $info.lockFile | Should -Be "$($script:cacheFile).lockfile"
        $info.keyring.schema | Should -Be 'msal.cache'
        $info.keyring.label | Should -Be 'msal.cache.cae'
        $info.keyring.attributes.MsalClientID | Should -Be 'Microsoft.Developer.IdentityService'
        if ($script:keyringMode) {
            $info.persistence | Should -Be 'Keyring'
            $info.warning | Should -BeNullOrEmpty
        }
        else {
            $info.persistence | Should -Be 'PlaintextFile'
            $info.warning | Should -Match 'unencrypted'
            $info.warning | Should -Match ([regex]::Escape($script:cacheFile))
            (Invoke-Engine 'cache.info').warning | Should -BeNullOrEmpty
        }
    }

    It 'AzRs writes a sign-in; MSAL.NET (as Az.Accounts) lists the account and serves the access token silently' {
        Reset-Cache
        $w = Invoke-Engine 'cache.testWriteResponse' @{
            clientId = $script:clientId; authorityHost = 'login.microsoftonline.com'; tenant = 'organizations'
            scopes = @($script:arm); response = (New-Response 'AZRS-AT-1' 'AZRS-RT-1')
        }
        $w.homeAccountId | Should -Be $script:homeId
        $w.environment | Should -Be 'login.windows.net'
        $w.realm | Should -Be $script:tid

        $net = Invoke-MsalNet @('-Mode', 'Read')
        $net.persistence | Should -Be $(if ($script:keyringMode) { 'Keyring' } else { 'PlaintextFile' })
        @($net.accounts).Count | Should -Be 1
        $net.accounts[0].username | Should -Be 'alice@contoso.test'
        $net.accounts[0].homeAccountId | Should -Be $script:homeId
        $net.silentError | Should -BeNullOrEmpty
        $net.accessToken | Should -Be 'AZRS-AT-1'
        $net.source | Should -Be 'Cache'
        $net.tokenCalls | Should -Be 0
    }

    It 'MSAL.NET (as Az.Accounts) signs in; AzRs finds its access token and family refresh token' {
        Reset-Cache
        $wrote = Invoke-MsalNet @('-Mode', 'Write', '-AccessToken', 'NET-AT-1', '-RefreshToken', 'NET-RT-1')
        $wrote.tokenCalls | Should -Be 1
        $wrote.homeAccountId | Should -Be $script:homeId

        $found = Invoke-Engine 'cache.testFind' @{
            homeAccountId = $script:homeId; clientId = $script:clientId; environment = 'login.microsoftonline.com'
            realm = $script:tid; scopes = @($script:arm)
        }
        $found.accessToken.sha256 | Should -Be (Get-Sha256 'NET-AT-1')
        $found.refreshToken.sha256 | Should -Be (Get-Sha256 'NET-RT-1')
        $found.refreshToken.familyId | Should -Be '1'
        @($found.accounts).Count | Should -Be 1
        $found.accounts[0].username | Should -Be 'alice@contoso.test'
    }

    It 'keeps MSAL.NET entries when AzRs adds its own, and MSAL.NET still reads the result' {
        # Cache currently holds MSAL.NET's sign-in (previous test); AzRs adds a Graph token.
        $resp = New-Response 'AZRS-GRAPH-AT' 'AZRS-RT-2'
        $resp.scope = 'https://graph.microsoft.com/.default'
        $null = Invoke-Engine 'cache.testWriteResponse' @{
            clientId = $script:clientId; authorityHost = 'login.microsoftonline.com'; tenant = 'organizations'
            scopes = @('https://graph.microsoft.com/.default'); response = $resp
        }
        $found = Invoke-Engine 'cache.testFind' @{
            homeAccountId = $script:homeId; clientId = $script:clientId; environment = 'login.microsoftonline.com'
            realm = $script:tid; scopes = @($script:arm)
        }
        $found.accessToken.sha256 | Should -Be (Get-Sha256 'NET-AT-1')
        $net = Invoke-MsalNet @('-Mode', 'Read')
        $net.accessToken | Should -Be 'NET-AT-1'
        $net.tokenCalls | Should -Be 0
    }

    It 'waits for the MSAL.NET cross-process lock before writing' {
        $lockFile = "$($script:cacheFile).lockfile"
        $outFile = Join-Path $script:root 'holdlock.out'
        $p = Start-Process -FilePath $script:pwsh -ArgumentList @('-NoProfile', '-NonInteractive', '-File', $script:helper, '-Mode', 'HoldLock', '-Seconds', '3') -PassThru -RedirectStandardOutput $outFile
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not ((Test-Path $outFile) -and (Get-Content $outFile -Raw) -match 'locked')) {
                if ([DateTime]::UtcNow -gt $deadline -or $p.HasExited) { throw 'MSAL.NET did not take the lock' }
                Start-Sleep -Milliseconds 50
            }
            Test-Path $lockFile | Should -BeTrue
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $null = Invoke-Engine 'cache.testWriteResponse' @{
                clientId = $script:clientId; authorityHost = 'login.microsoftonline.com'; tenant = 'organizations'
                scopes = @($script:arm); response = (New-Response 'AZRS-AT-LOCKED' 'AZRS-RT-3')
            }
            $sw.Stop()
            $p.WaitForExit()
            # The child held the lock ~3 s after announcing it; AzRs must have waited for most of it.
            $sw.Elapsed.TotalSeconds | Should -BeGreaterThan 1.5
        }
        finally { if (-not $p.HasExited) { $p.Kill() } }
        (Invoke-MsalNet @('-Mode', 'Read')).accessToken | Should -Be 'AZRS-AT-LOCKED'
    }

    It 'stores the cache where and how Az.Accounts does' -Skip:($IsWindows -or $IsMacOS) {
        $bytes = [IO.File]::ReadAllBytes($script:cacheFile)
        if ($script:keyringMode) {
            # Data in the keyring; the file is only MSAL's change signal.
            $bytes.Length | Should -Be 0
            $items = & secret-tool search --all MsalClientID Microsoft.Developer.IdentityService 2>&1 | Out-String
            $items | Should -Match 'label = msal\.cache\.cae'
            $items | Should -Match '(?m)^schema = msal\.cache$'
            $items | Should -Match 'attribute\.Microsoft\.Developer\.IdentityService = 1\.0\.0\.0'
            $secret = (& secret-tool lookup MsalClientID Microsoft.Developer.IdentityService Microsoft.Developer.IdentityService 1.0.0.0 | Out-String).Trim()
            $json = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($secret)) | ConvertFrom-Json
            $json.AccessToken.PSObject.Properties.Count | Should -BeGreaterThan 0
        }
        else {
            (& stat -c '%a' $script:cacheFile) | Should -Be '600'
            $json = [Text.Encoding]::UTF8.GetString($bytes) | ConvertFrom-Json
            @($json.Account.PSObject.Properties).Count | Should -Be 1
        }
    }

    It 'clears the cache for both, even when it is corrupt' {
        if ($script:keyringMode) {
            Reset-Cache
        }
        else {
            [IO.File]::WriteAllText($script:cacheFile, '{"AccessToken": [corrupt')
            { Invoke-Engine 'cache.accounts' } | Should -Throw -ErrorId 'TokenCacheCorrupt'
            Reset-Cache
        }
        @(Invoke-Engine 'cache.accounts').Count | Should -Be 0
        $net = Invoke-MsalNet @('-Mode', 'Read')
        @($net.accounts).Count | Should -Be 0
    }
}
