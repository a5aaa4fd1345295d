# MSAL.NET 4.92 (the library Az.Accounts signs in with; ../shared/peers/msal-net) against the
# emulator: client credentials (secret and certificate), and a public-client device code
# (auto-approved) followed by a forced silent refresh.
#
# .NET reads SSL_CERT_FILE only at process start, so the MSAL.NET part runs in a child pwsh
# started with SSL_CERT_FILE pointing at the emulator's CA.

BeforeDiscovery {
    $script:peers = Join-Path $PSScriptRoot '../../shared/peers/msal-net'
    $script:havePeers = Test-Path (Join-Path $script:peers 'Microsoft.Identity.Client.dll')
}

Describe 'Emulator with MSAL.NET' -Skip:(-not $havePeers) {
    BeforeAll {
        $root = Split-Path $PSScriptRoot -Parent
        $peers = (Resolve-Path (Join-Path $root '../shared/peers/msal-net')).Path
        $bin = $env:AZRS_EMULATOR_BIN
        if (-not $bin) {
            $targetDir = if ($env:CARGO_TARGET_DIR) { $env:CARGO_TARGET_DIR } else { Join-Path $root 'target' }
            $bin = Join-Path $targetDir 'release/azrs-emulator'
        }
        $stateDir = Join-Path ([System.IO.Path]::GetTempPath()) ("azrs-emu-msalnet-" + [guid]::NewGuid())
        $psi = [System.Diagnostics.ProcessStartInfo]::new($bin)
        foreach ($a in '--port', '0', '--state-dir', $stateDir) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true
        $psi.UseShellExecute = $false
        $script:emulator = [System.Diagnostics.Process]::Start($psi)
        $script:info = $script:emulator.StandardOutput.ReadLine() | ConvertFrom-Json
        # Admin calls over the plain-HTTP side of the same port (this pwsh does not trust the CA).
        $script:admin = "$($info.http)/admin"
        $null = Invoke-RestMethod -Method Post -Uri "$admin/settings" -ContentType 'application/json' -Body '{"autoApprove":true,"deviceCodeInterval":1}'

        $driver = @'
using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Identity.Client;

public static class MsalNetDriver
{
    public static string ClientSecret(string authority, string appId, string secret, string scope)
    {
        var app = ConfidentialClientApplicationBuilder.Create(appId).WithClientSecret(secret)
            .WithAuthority(authority).WithInstanceDiscovery(false).Build();
        return app.AcquireTokenForClient(new[] { scope }).ExecuteAsync().GetAwaiter().GetResult().AccessToken;
    }

    public static string ClientCertificate(string authority, string appId, string pfxPath, string scope)
    {
        var cert = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(pfxPath, "");
        var app = ConfidentialClientApplicationBuilder.Create(appId).WithCertificate(cert, true)
            .WithAuthority(authority).WithInstanceDiscovery(false).Build();
        return app.AcquireTokenForClient(new[] { scope }).ExecuteAsync().GetAwaiter().GetResult().AccessToken;
    }

    // Returns: device-code message, first access token, username, refreshed access token.
    public static string[] DeviceCodeThenForcedRefresh(string authority, string clientId, string scope)
    {
        var app = PublicClientApplicationBuilder.Create(clientId).WithAuthority(authority)
            .WithInstanceDiscovery(false).Build();
        string message = null;
        var first = app.AcquireTokenWithDeviceCode(new[] { scope }, d => { message = d.Message; return Task.CompletedTask; })
            .ExecuteAsync().GetAwaiter().GetResult();
        var account = app.GetAccountsAsync().GetAwaiter().GetResult().First();
        var second = app.AcquireTokenSilent(new[] { scope }, account).WithForceRefresh(true)
            .ExecuteAsync().GetAwaiter().GetResult();
        return new[] { message, first.AccessToken, account.Username, second.AccessToken };
    }
}
'@
        $script:childScript = @"
`$ErrorActionPreference = 'Stop'
`$dlls = Get-ChildItem '$peers' -Filter *.dll
foreach (`$d in `$dlls) { `$null = [Reflection.Assembly]::LoadFrom(`$d.FullName) }
Add-Type -TypeDefinition @'
$driver
'@ -ReferencedAssemblies (`$dlls.FullName + 'netstandard', 'System.Runtime', 'System.Linq', 'System.Security.Cryptography', 'System.Threading.Tasks') -IgnoreWarnings
`$a = '$($info.authority)'
`$scope = 'https://management.core.windows.net//.default'
`$out = [ordered]@{}
`$out.secret = [MsalNetDriver]::ClientSecret("`$a/00000000-0000-0000-0000-0000000000a1", '00000000-0000-0000-0000-0000000000c1', 'Emu.Secret-c1~not-a-real-secret', `$scope)
`$out.certificate = [MsalNetDriver]::ClientCertificate("`$a/contoso.onmicrosoft.com", '00000000-0000-0000-0000-0000000000c1', '$((Join-Path $root 'emulator/seed/sp-cert.pfx'))', `$scope)
`$dc = [MsalNetDriver]::DeviceCodeThenForcedRefresh("`$a/organizations", '1950a258-227b-4e31-a9cf-717495945fc2', `$scope)
`$out.message = `$dc[0]; `$out.deviceToken = `$dc[1]; `$out.username = `$dc[2]; `$out.refreshedToken = `$dc[3]
`$out | ConvertTo-Json -Compress
"@
        function script:Get-Claims([string]$jwt) {
            $p = $jwt.Split('.')[1].Replace('-', '+').Replace('_', '/')
            $p += '=' * ((4 - $p.Length % 4) % 4)
            [System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($p)) | ConvertFrom-Json
        }

        $before = Invoke-RestMethod "$admin/stats"
        $saved = [Environment]::GetEnvironmentVariable('SSL_CERT_FILE')
        try {
            [Environment]::SetEnvironmentVariable('SSL_CERT_FILE', $info.caPath)
            $script:raw = & pwsh -NoProfile -NonInteractive -Command $childScript 2>&1
            $script:exit = $LASTEXITCODE
        }
        finally { [Environment]::SetEnvironmentVariable('SSL_CERT_FILE', $saved) }
        $script:result = $null
        $line = @($raw | Where-Object { "$_".StartsWith('{') }) | Select-Object -Last 1
        if ($line) { $script:result = "$line" | ConvertFrom-Json }
        $script:after = Invoke-RestMethod "$admin/stats"
    }

    AfterAll {
        if ($script:emulator -and -not $script:emulator.HasExited) { $script:emulator.Kill(); $script:emulator.WaitForExit(5000) }
    }

    It 'the MSAL.NET child process succeeds' {
        $exit | Should -Be 0 -Because ($raw | Out-String)
        $result | Should -Not -BeNullOrEmpty
    }

    It 'completes client credentials with a secret' {
        $c = Get-Claims $result.secret
        $c.appid | Should -Be '00000000-0000-0000-0000-0000000000c1'
        $c.tid | Should -Be '00000000-0000-0000-0000-0000000000a1'
        $c.appidacr | Should -Be '1'
    }

    It 'completes client credentials with a certificate (assertion with x5c)' {
        $c = Get-Claims $result.certificate
        $c.appidacr | Should -Be '2'
        $c.aud | Should -Be 'https://management.core.windows.net/'
    }

    It 'completes a device code sign-in (auto-approved) with Entra''s message' {
        $result.message | Should -Match 'To sign in, use a web browser to open the page https://127\.0\.0\.1:\d+/devicelogin and enter the code \w+ to authenticate\.'
        $result.username | Should -Be 'alice@contoso.onmicrosoft.com'
        (Get-Claims $result.deviceToken).upn | Should -Be 'alice@contoso.onmicrosoft.com'
    }

    It 'refreshes silently when forced (a new token from the refresh grant)' {
        $result.refreshedToken | Should -Not -Be $result.deviceToken
        (Get-Claims $result.refreshedToken).oid | Should -Be '00000000-0000-0000-0000-0000000000b1'
        # secret + certificate + device poll(s) + refresh all reached the token endpoint.
        ($after.requests.token - [int]$before.requests.token) | Should -BeGreaterOrEqual 4
        $after.requests.devicecode | Should -BeGreaterOrEqual 1
    }
}
