<#
.SYNOPSIS
    Sign-in benchmarks against azrs-emulator, with MSAL.NET (../shared/peers/msal-net) in the same
    pwsh as the peer. Prints a table and writes bench/results/signin.json. Not a test: figures
    from one run on this machine.
.DESCRIPTION
    1. Service-principal sign-in end to end through the module, 20 ms injected per request, vs the
       minimum round-trip depth x 20 ms plus the no-latency cost, and vs MSAL.NET acquiring the
       same token (new app object each time, so no cache hit); and the token leg alone through the
       module (Get-AzAccessToken for a resource not cached yet: one client-credentials request with
       the stored secret, like MSAL.NET's) against MSAL.NET's.
    2. A user in 52 tenants x 20 subscriptions: Connect-AzAccount with 20 ms per request; the
       discovery part is the total minus the sign-in token request.
    3. Warm Get-AzAccessToken per call (module), the engine's own cache hit (one native call), and
       MSAL.NET's AcquireTokenForClient cache hit.
    4. A new process: Import-Module + Get-AzAccessToken from the shared cache, over a bare pwsh start.
    5. The first service-principal sign-in in a warm session (module imported, one cheap command
       run, no injected latency; median over new processes), and MSAL.NET's first acquisition in
       a fresh pwsh.
#>
param([string]$Root = (Split-Path $PSScriptRoot -Parent), [int]$Runs = 20, [int]$TokenCalls = 2000)
$ErrorActionPreference = 'Stop'
$root = $Root
$Iterations = [Math]::Max(5, $Runs)
$saved = @{ HOME = $env:HOME; USERPROFILE = $env:USERPROFILE; XDG_DATA_HOME = $env:XDG_DATA_HOME; SSL_CERT_FILE = $env:SSL_CERT_FILE }
. (Join-Path $root 'tests/SignIn.Helpers.ps1')
. (Join-Path $PSScriptRoot 'Launch.ps1')
. (Join-Path $PSScriptRoot 'Floor.ps1')
$pwsh = (Get-Process -Id $PID).Path
$msalDir = Join-Path $root '../shared/peers/msal-net'
$appId = '00000000-0000-0000-0000-0000000000c1'
$secretText = 'Emu.Secret-c1~not-a-real-secret'   # the emulator's public test secret
$tenant = '00000000-0000-0000-0000-0000000000a1'
$credential = [pscredential]::new($appId, (ConvertTo-SecureString $secretText -AsPlainText -Force))
$results = [ordered]@{}

function Get-Median { param([double[]]$Values) $s = $Values | Sort-Object; $s[[int][Math]::Floor(($s.Count - 1) / 2)] }
function Measure-Ms { param([scriptblock]$Block, [int]$N) $t = foreach ($i in 1..$N) { $sw = [Diagnostics.Stopwatch]::StartNew(); $null = & $Block; $sw.Elapsed.TotalMilliseconds }; Get-Median $t }

$benchHome = New-TestHome
# A benchmark session must not stop at the subscription picker.

Import-Module (Join-Path $root 'AzRs.psd1') -Force
$null = Get-AzRsEngine
$null = Update-AzConfig -LoginExperienceV2 Off -Scope Process

# MSAL.NET, loaded once; its HTTP client trusts the emulator's CA like AzRs does.
Add-Type -Path (Join-Path $msalDir 'Microsoft.IdentityModel.Abstractions.dll'), (Join-Path $msalDir 'Microsoft.Identity.Client.dll')
Invoke-Expression @'
class AzRsBenchHttpFactory : Microsoft.Identity.Client.IMsalHttpClientFactory {
    [System.Net.Http.HttpClient]$Client
    AzRsBenchHttpFactory([string]$caPath) {
        # TLS as usual; certificate checks off for the emulator's CA (a PowerShell callback cannot
        # run on the thread pool). The handshake cost is the same.
        $h = [System.Net.Http.HttpClientHandler]::new()
        $h.ServerCertificateCustomValidationCallback = [System.Net.Http.HttpClientHandler]::DangerousAcceptAnyServerCertificateValidator
        $this.Client = [System.Net.Http.HttpClient]::new($h)
    }
    [System.Net.Http.HttpClient] GetHttpClient() { return $this.Client }
}
'@
function New-MsalApp {
    param($Emu, $Factory)
    [Microsoft.Identity.Client.ConfidentialClientApplicationBuilder]::Create($appId).WithClientSecret($secretText).
        WithAuthority("$($Emu.authority)/$tenant", $true).WithHttpClientFactory($Factory).Build()
}
$scopes = [string[]]@('https://management.core.windows.net//.default')

# ---- 1. SP sign-in, no latency and 20 ms latency --------------------------------------------
$fast = Start-TestEmulator
$slow = Start-TestEmulator -ArgumentList '--latency-ms', '20'
try {
    Register-TestEnvironment $fast -Name 'EmuFast'
    Register-TestEnvironment $slow -Name 'EmuSlow'
    $env:SSL_CERT_FILE = $null
    $caFast = $fast.caPath; $caSlow = $slow.caPath
    $signIn = { param($envName, $ca) $env:SSL_CERT_FILE = $ca; Connect-AzAccount -ServicePrincipal -Credential $credential -Tenant $tenant -Environment $envName -Scope Process -SkipContextPopulation -WarningAction SilentlyContinue }
    # The first sign-in in a warm session, in new processes (a first happens once per process):
    # import, one cheap command (Get-AzContext), then Connect-AzAccount timed inside the process,
    # against EmuFast as registered above (saved in this bench's HOME, which the children share).
    $q = { param($s) "'" + ([string]$s).Replace("'", "''") + "'" }
    $firstCommand = "Import-Module $(& $q (Join-Path $root 'AzRs.psd1')); `$null = Get-AzContext; `$env:SSL_CERT_FILE = $(& $q $caFast); " +
        "`$c = [pscredential]::new('$appId', [System.Net.NetworkCredential]::new('', $(& $q $secretText)).SecurePassword); " +
        "`$sw = [Diagnostics.Stopwatch]::StartNew(); `$null = Connect-AzAccount -ServicePrincipal -Credential `$c -Tenant '$tenant' -Environment EmuFast -Scope Process -SkipContextPopulation -WarningAction SilentlyContinue; `$sw.Elapsed.TotalMilliseconds"
    $firstRuns = [Math]::Max($Runs, 10)
    $firsts = Measure-PwshLaunch -Kinds ([ordered]@{ first = $firstCommand }) -Runs $firstRuns
    $first = Get-Median @($firsts.first.Out | ForEach-Object { [double]($_ | Select-Object -Last 1) })
    $noLatency = Measure-Ms { & $signIn 'EmuFast' $caFast } $Iterations
    $withLatency = Measure-Ms { & $signIn 'EmuSlow' $caSlow } $Iterations
    $depth = 2   # token, then subscriptions (the /tenants details are fetched alongside)
    $results.spSignIn = [ordered]@{
        firstInWarmSessionMs = [Math]::Round($first, 1)
        firstInWarmSessionProcesses = $firstRuns
        noLatencyMs = [Math]::Round($noLatency, 1)
        latency20Ms = [Math]::Round($withLatency, 1)
        minimumDepth = $depth
        budgetMs = [Math]::Round(1.1 * ($depth * 20 + $noLatency), 1)
        ratioToIdeal = [Math]::Round($withLatency / ($depth * 20 + $noLatency), 3)
    }
    $factory = [AzRsBenchHttpFactory]::new($caSlow)
    $msal = Measure-Ms { (New-MsalApp $slow $factory).AcquireTokenForClient($scopes).ExecuteAsync().GetAwaiter().GetResult() } $Iterations
    $results.spSignIn.msalNetLatency20Ms = [Math]::Round($msal, 1)
    # Our token leg alone, through the module: Get-AzAccessToken for a resource with no cached
    # token makes the same client-credentials request (with the stored secret) as MSAL.NET's
    # AcquireTokenForClient above; one uncached call first, so no first-use cost is in it.
    $env:SSL_CERT_FILE = $caSlow
    $null = Connect-AzAccount -ServicePrincipal -Credential $credential -Tenant $tenant -Environment 'EmuSlow' -Scope Process -SkipContextPopulation -WarningAction SilentlyContinue
    $script:tokenLegRun = 0
    $tokenLeg = { $script:tokenLegRun++; Get-AzAccessToken -ResourceUrl "https://bench-$($script:tokenLegRun).example.invalid/" }
    $null = & $tokenLeg
    $results.spSignIn.tokenLeg20Ms = [Math]::Round((Measure-Ms $tokenLeg $Iterations), 1)

    # ---- 3. warm tokens ----------------------------------------------------------------------
    $env:SSL_CERT_FILE = $caFast
    $null = Connect-AzAccount -ServicePrincipal -Credential $credential -Tenant $tenant -Environment 'EmuFast' -Scope Process -SkipContextPopulation -WarningAction SilentlyContinue
    $null = Get-AzAccessToken
    # Warm = steady state: PowerShell compiles a script block after it has been interpreted a few
    # times and .NET re-JITs hot methods later still, so the first thousands of calls are slower:
    # Get-AzAccessToken falls from ~400 us a call over the first 3,000 to a plateau after ~18,000
    # (fifth session: still falling in the fifth round of 3,000, which made this row read anywhere
    # from 100 to 260 us). Eight rounds of -TokenCalls calls each; the median of the last three.
    function Measure-PerCallUs { param([scriptblock]$Round, [int]$N) $r = foreach ($k in 1..8) { & $Round $N }; Get-Median @($r | Select-Object -Last 3) }
    $perCall = Measure-PerCallUs { param($n) $sw = [Diagnostics.Stopwatch]::StartNew(); for ($i = 0; $i -lt $n; $i++) { $null = Get-AzAccessToken }; $sw.Elapsed.TotalMilliseconds * 1000 / $n } $TokenCalls
    $engine = Measure-PerCallUs {
        param($n)
        & (Get-Module AzRs) {
            param($n)
            Import-AzRsChunk -All
            $a = @{ compact = $true }
            $sw = [Diagnostics.Stopwatch]::StartNew(); for ($i = 0; $i -lt $n; $i++) { $null = Invoke-AzRsNative -Op 'auth.token' -Arguments $a -Raw }; $sw.Elapsed.TotalMilliseconds * 1000 / $n
        } $n
    } $TokenCalls
    # The engine's own hit: the P/Invoke alone, request and environment block built beforehand.
    $native = Measure-PerCallUs {
        param($n)
        & (Get-Module AzRs) {
            param($n)
            $request = ConvertTo-AzRsRequest -Op 'auth.token' -Arguments @{ compact = $true }
            $environ = Get-AzRsEnvironmentBlock
            $rl = [UIntPtr]::new([uint64]$request.Length); $el = [UIntPtr]::new([uint64]$environ.Length); $lib = $script:AzRsNative
            $sw = [Diagnostics.Stopwatch]::StartNew()
            for ($i = 0; $i -lt $n; $i++) { $p = [IntPtr]::Zero; $l = [UIntPtr]::Zero; $null = $lib::azrs_call($request, $rl, $environ, $el, [ref]$p, [ref]$l); $lib::azrs_buffer_free($p, $l) }
            $sw.Elapsed.TotalMilliseconds * 1000 / $n
        } $n
    } $TokenCalls
    $fastFactory = [AzRsBenchHttpFactory]::new($caFast)
    $app = New-MsalApp $fast $fastFactory
    $null = $app.AcquireTokenForClient($scopes).ExecuteAsync().GetAwaiter().GetResult()
    $msalHit = Measure-PerCallUs { param($n) $sw = [Diagnostics.Stopwatch]::StartNew(); for ($i = 0; $i -lt $n; $i++) { $null = $app.AcquireTokenForClient($scopes).ExecuteAsync().GetAwaiter().GetResult() }; $sw.Elapsed.TotalMilliseconds * 1000 / $n } $TokenCalls
    $results.warmToken = [ordered]@{ getAzAccessTokenUs = [Math]::Round($perCall, 1); invokeNativeUs = [Math]::Round($engine, 1); engineCacheHitUs = [Math]::Round($native, 1); msalNetCacheHitUs = [Math]::Round($msalHit, 1) }

    # ---- 4. new process from the shared cache ------------------------------------------------
    $null = Connect-AzAccount -ServicePrincipal -Credential $credential -Tenant $tenant -Environment 'EmuFast' -SkipContextPopulation -WarningAction SilentlyContinue
    $psd1 = Join-Path $root 'AzRs.psd1'
    # Interleaved launches (a pwsh start varies by about ±60 ms here, so at least 40 rounds and the
    # median of the paired differences), each kind with its own pwsh JIT profile, then
    # alternating over one shared profile (Launch.ps1). Beside AzRs, the floor from Floor.ps1: one
    # advanced function doing only what this needs (Reflection.Emit P/Invoke, the environment
    # block, one engine call, Az's token object), the least any module of this design costs here.
    $floorPsd1 = New-FloorModule -Kind Token -Folder (Join-Path $benchHome 'floor') -Root $root
    $kinds = [ordered]@{
        bare  = '1'
        token = "Import-Module '$psd1'; `$t = Get-AzAccessToken; if (-not `$t.ExpiresOn) { exit 3 }; 1"
        floor = "Import-Module '$floorPsd1'; `$t = Get-FloorAccessToken; if (-not `$t.ExpiresOn) { exit 3 }; 1"
    }
    $own = Measure-PwshLaunch -Kinds $kinds -Runs ([Math]::Max($Runs, 40))
    $shared = Measure-PwshLaunch -Kinds ([ordered]@{ bare = $kinds.bare; token = $kinds.token }) -Runs 10 -SharedJitProfile
    $results.newProcess = [ordered]@{
        barePwshMs = [Math]::Round((Get-Median $own.bare.Ms), 1)
        overBareMs = [Math]::Round((Get-PairedMedian $own 'token'), 1)
        floorOverBareMs = [Math]::Round((Get-PairedMedian $own 'floor'), 1)
        overBareSharedJitProfileMs = [Math]::Round((Get-PairedMedian $shared 'token'), 1)
    }

    # ---- 5. MSAL.NET's first acquisition in a fresh pwsh -------------------------------------
    $msalFirst = & $pwsh -NoProfile -NonInteractive -Command @"
Add-Type -Path '$(Join-Path $msalDir 'Microsoft.IdentityModel.Abstractions.dll')', '$(Join-Path $msalDir 'Microsoft.Identity.Client.dll')'
`$h = [System.Net.Http.HttpClientHandler]::new(); `$h.ServerCertificateCustomValidationCallback = [System.Net.Http.HttpClientHandler]::DangerousAcceptAnyServerCertificateValidator
`$sw = [Diagnostics.Stopwatch]::StartNew()
`$app = [Microsoft.Identity.Client.ConfidentialClientApplicationBuilder]::Create('$appId').WithClientSecret('$secretText').WithAuthority('$($fast.authority)/$tenant', `$true).Build()
try { `$null = `$app.AcquireTokenForClient([string[]]@('https://management.core.windows.net//.default')).ExecuteAsync().GetAwaiter().GetResult() } catch { 'FAIL ' + `$_.Exception.Message }
`$sw.Elapsed.TotalMilliseconds
"@
    $results.spSignIn.msalNetFirstInFreshPwshMs = [Math]::Round([double]($msalFirst | Select-Object -Last 1), 1)
    $results.spSignIn.msalNetFirstFailed = [bool]($msalFirst | Where-Object { "$_" -like 'FAIL*' })
}
finally { Stop-TestEmulator $fast; Stop-TestEmulator $slow }

# ---- 2. 52 tenants x 20 subscriptions, 20 ms per request ------------------------------------
$many = Start-TestEmulator -ArgumentList '--generate-tenants', '50', '--subscriptions-per-tenant', '20', '--latency-ms', '20'
try {
    Register-TestEnvironment $many -Name 'EmuMany'
    $alice = [pscredential]::new('alice@contoso.onmicrosoft.com', (ConvertTo-SecureString 'Pa55w.rd-alice' -AsPlainText -Force))
    $total = Measure-Ms { Connect-AzAccount -Credential $alice -Environment 'EmuMany' -Scope Process -SkipContextPopulation -WarningAction SilentlyContinue } 5
    $results.manyTenants = [ordered]@{ tenants = 52; subscriptions = 1004; connectMs = [Math]::Round($total, 1); discoveryDepths = 3; latencyOfThreeDepthsMs = 60 }
}
finally { Stop-TestEmulator $many }

foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
Remove-Item -Recurse -Force $benchHome -ErrorAction SilentlyContinue

function Row { param($Name, $Value, $Unit, $Ratio, $Note) [pscustomobject]@{ Name = $Name; Value = $Value; Unit = $Unit; Ratio = $Ratio; Note = $Note } }
$sp = $results.spSignIn
Row 'SP sign-in, 20 ms/request' $sp.latency20Ms 'ms' $sp.ratioToIdeal "ideal = $($sp.minimumDepth) x 20 ms + no-latency $($sp.noLatencyMs) ms; budget 1.1x = $($sp.budgetMs) ms"
Row 'MSAL.NET AcquireTokenForClient, 20 ms/request' $sp.msalNetLatency20Ms 'ms' ([Math]::Round($sp.latency20Ms / $sp.msalNetLatency20Ms, 2)) 'Ratio = AzRs / MSAL.NET (same pwsh, new app each time)'
Row 'Token leg only (Get-AzAccessToken, uncached resource), 20 ms/request' $sp.tokenLeg20Ms 'ms' ([Math]::Round($sp.tokenLeg20Ms / $sp.msalNetLatency20Ms, 2)) 'Ratio = AzRs / MSAL.NET AcquireTokenForClient (1 round trip each)'
Row 'SP sign-in, no latency' $sp.noLatencyMs 'ms' $null 'warm session'
Row 'First SP sign-in in a warm session' $sp.firstInWarmSessionMs 'ms' ([Math]::Round($sp.firstInWarmSessionMs / 50, 2)) "median of $($sp.firstInWarmSessionProcesses) new processes (import, Get-AzContext, then the timed Connect-AzAccount); target 50 ms (Ratio = value / 50)"
Row 'MSAL.NET first acquisition, fresh pwsh' $sp.msalNetFirstInFreshPwshMs 'ms' $null 'JIT, TLS, discovery'
Row '52 tenants x 20 subs: Connect-AzAccount (user)' $results.manyTenants.connectMs 'ms' $null 'token + /tenants + per-tenant token + /subscriptions = 4 depths (discovery 3), 20 ms each'
$w = $results.warmToken
Row 'Warm Get-AzAccessToken' $w.getAzAccessTokenUs 'us' ([Math]::Round($w.getAzAccessTokenUs / 200, 2)) 'target 200 us (Ratio = value / 200)'
Row 'Invoke-AzRsNative auth.token (request + environment + P/Invoke)' $w.invokeNativeUs 'us' $null 'the module''s general engine-call path'
Row 'Engine cache hit (the P/Invoke alone)' $w.engineCacheHitUs 'us' ([Math]::Round($w.engineCacheHitUs / $w.msalNetCacheHitUs, 2)) 'Ratio = AzRs / MSAL.NET (its cache hit, same pwsh)'
Row 'MSAL.NET AcquireTokenForClient cache hit' $w.msalNetCacheHitUs 'us' $null ''
$n = $results.newProcess
Row 'New process: Import-Module + Get-AzAccessToken over bare pwsh' $n.overBareMs 'ms' ([Math]::Round($n.overBareMs / 150, 2)) "bare pwsh $($n.barePwshMs) ms; paired median, each kind with its own JIT profile; alternating over one shared profile: $($n.overBareSharedJitProfileMs) ms; target 150 ms over (Ratio = value / 150)"
Row 'Floor: minimal Emit + one engine call + token object, new process, over bare' $n.floorOverBareMs 'ms' ([Math]::Round($n.floorOverBareMs / 150, 2)) 'Floor.ps1 (Get-FloorAccessToken): the least this design costs on this pwsh, same rounds; Ratio = value / 150'
