function Start-AzRsEmulator {
    <#
    .SYNOPSIS
        Starts the AzRs emulator (Entra ID + Resource Manager + managed identity on 127.0.0.1) for
        offline tests, and returns its URLs, CA path and seeded identities.
    .DESCRIPTION
        Runs the azrs-emulator binary shipped with the module on a free port (or -Port), waits for
        its startup line, and registers it as an environment (Add-AzEnvironment) when the module
        has that cmdlet. Stop it with Stop-AzRsEmulator (e.g. in a Pester AfterAll).
        HTTPS and plain HTTP are served on the same port; trust CaPath for HTTPS.
    .EXAMPLE
        $emu = Start-AzRsEmulator -AutoApprove
        $emu.Authority; $emu.CaPath; $emu.Users
    #>
    [CmdletBinding()]
    [OutputType('AzRs.Emulator')]
    param(
        [int]$Port = 0,
        # JSON seed file (tenants, users, apps, identities, subscriptions); built-in default if absent.
        [string]$SeedPath,
        [string]$StateDirectory,
        # Approve sign-ins (authorize page, device codes) without a person.
        [switch]$AutoApprove,
        [int]$LatencyMs = 0,
        [int]$GenerateTenants = 0,
        [int]$SubscriptionsPerTenant = 0,
        [string]$EnvironmentName = 'AzRsEmulator',
        # Do not register the environment.
        [switch]$NoRegister,
        # The emulator binary (default: the one under the module's bin/<os>-<arch>/).
        [string]$Path,
        [int]$TimeoutSeconds = 15
    )
    if (-not $Path) { $Path = Get-AzRsEmulatorPath }
    if (-not (Test-Path -LiteralPath $Path)) {
        throw "The emulator binary was not found at '$Path'. Build it with ./build.ps1 (it is staged under ps-module/bin/)."
    }
    if (-not $StateDirectory) {
        $StateDirectory = Join-Path ([System.IO.Path]::GetTempPath()) ('azrs-emulator-' + [guid]::NewGuid().ToString('n'))
    }
    $arguments = New-Object System.Collections.Generic.List[string]
    $arguments.Add('--port'); $arguments.Add([string]$Port)
    $arguments.Add('--state-dir'); $arguments.Add($StateDirectory)
    if ($SeedPath) { $arguments.Add('--seed'); $arguments.Add((Resolve-Path -LiteralPath $SeedPath).Path) }
    if ($AutoApprove) { $arguments.Add('--auto-approve') }
    if ($LatencyMs -gt 0) { $arguments.Add('--latency-ms'); $arguments.Add([string]$LatencyMs) }
    if ($GenerateTenants -gt 0) {
        $arguments.Add('--generate-tenants'); $arguments.Add([string]$GenerateTenants)
        $arguments.Add('--subscriptions-per-tenant'); $arguments.Add([string]$SubscriptionsPerTenant)
    }
    $psi = New-Object System.Diagnostics.ProcessStartInfo
    $psi.FileName = $Path
    # ProcessStartInfo.ArgumentList is .NET Core only: quote by hand (Windows PowerShell 5.1).
    $psi.Arguments = (($arguments | ForEach-Object { '"' + ($_ -replace '"', '\"') + '"' }) -join ' ')
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.CreateNoWindow = $true
    $process = [System.Diagnostics.Process]::Start($psi)
    $read = $process.StandardOutput.ReadLineAsync()
    if (-not $read.Wait([TimeSpan]::FromSeconds($TimeoutSeconds)) -or -not $read.Result) {
        if (-not $process.HasExited) { $process.Kill() }
        throw "The emulator did not report its startup line within $TimeoutSeconds s (exit code: $(if ($process.HasExited) { $process.ExitCode } else { 'still running' }))."
    }
    $info = $read.Result | ConvertFrom-Json
    # The seeded identities, over the plain-HTTP side of the port (no CA trust needed).
    $web = New-Object System.Net.WebClient
    $web.Encoding = [System.Text.Encoding]::UTF8
    try { $world = $web.DownloadString("$($info.http)/admin/world") | ConvertFrom-Json }
    finally { $web.Dispose() }
    $environment = [ordered]@{
        Name                                     = $EnvironmentName
        ActiveDirectoryEndpoint                  = "$($info.authority)/"
        ResourceManagerEndpoint                  = "$($info.authority)/"
        ActiveDirectoryServiceEndpointResourceId = 'https://management.core.windows.net/'
    }
    $registered = $false
    if (-not $NoRegister) {
        # Add-AzEnvironment arrives with the environments issue; until then the values are returned.
        $add = Get-Command -Name 'Add-AzEnvironment' -CommandType Function, Cmdlet -ErrorAction SilentlyContinue
        if ($add) {
            $null = & $add @environment
            $registered = $true
        }
        else {
            Write-Verbose 'Add-AzEnvironment is not available yet: the environment values are returned in .Environment.'
        }
    }
    $emulator = [pscustomobject]@{
        PSTypeName            = 'AzRs.Emulator'
        Authority             = $info.authority
        ResourceManagerUrl    = $info.arm
        HttpUrl               = $info.http
        CaPath                = $info.caPath
        Port                  = $info.port
        ProcessId             = $info.pid
        AdminUrl              = $info.adminUrl
        StateDirectory        = $info.stateDir
        ImdsEndpoint          = $info.imdsEndpoint
        IdentityEndpoint      = $info.identityEndpoint
        IdentityHeader        = $info.identityHeader
        MsiEndpoint           = $info.msiEndpoint
        EnvironmentName       = $EnvironmentName
        EnvironmentRegistered = $registered
        Environment           = $environment
        Tenants               = $world.tenants
        Users                 = $world.users
        Applications          = $world.applications
        ManagedIdentities     = $world.managedIdentities
        Subscriptions         = $world.subscriptions
        Process               = $process
    }
    if (-not $script:AzRsEmulators) { $script:AzRsEmulators = New-Object System.Collections.ArrayList }
    $null = $script:AzRsEmulators.Add($emulator)
    $emulator
}
