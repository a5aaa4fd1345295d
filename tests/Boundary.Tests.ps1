# The boundary between PowerShell and the engine, through the built module: the library loads on
# first use, requests carry the session's environment, long operations stream into PowerShell's
# streams and stop on Ctrl+C, and every failure is an ErrorRecord.

BeforeAll {
    $script:manifest = Join-Path $PSScriptRoot '../AzRs.psd1'
    Import-Module $manifest -Force
    $script:m = Get-Module AzRs

    # An advanced function, so the operation loop has a real $PSCmdlet to write to.
    function script:Invoke-DiagWait {
        [CmdletBinding()]
        param([hashtable]$Arguments, [scriptblock]$OnPrompt)
        & $script:m { param($c, $a, $p) Import-AzRsChunk -All; Invoke-AzRsOperation -Op 'diag.wait' -Arguments $a -Cmdlet $c -OnPrompt $p } $PSCmdlet $Arguments $OnPrompt
    }
    function script:Invoke-Native {
        [CmdletBinding()]
        param([string]$Op, [hashtable]$Arguments = @{})
        & $script:m { param($c, $o, $a) Import-AzRsChunk -All; Invoke-AzRsNative -Op $o -Arguments $a -Cmdlet $c } $PSCmdlet $Op $Arguments
    }
}

Describe 'Loading the engine' {
    It 'imports without loading the native library, and loads it on first use' {
        $out = pwsh -NoProfile -NonInteractive -Command "Import-Module '$manifest'; [bool](& (Get-Module AzRs) { Import-AzRsChunk -All; `$script:AzRsNative }); (Get-AzRsEngine).Abi"
        $out | Should -Be @('False', '2')
    }

    It 'reports the engine version, ABI and the library it loaded' {
        $info = Get-AzRsEngine
        $info.PSTypeNames[0] | Should -Be 'AzRs.EngineInfo'
        $info.Abi | Should -Be 2
        $info.Library | Should -Exist
    }

    It 'names the missing library file when it is absent' {
        $copy = Join-Path ([System.IO.Path]::GetTempPath()) ("azrs-nolib-" + [guid]::NewGuid())
        $null = New-Item -ItemType Directory -Path $copy
        try {
            Copy-Item (Join-Path $PSScriptRoot '../AzRs.psd1') $copy
            $null = New-Item -ItemType Directory -Path (Join-Path $copy 'ps-module')
            Copy-Item (Join-Path $PSScriptRoot '../ps-module/*.ps*') (Join-Path $copy 'ps-module')
            Copy-Item -Recurse (Join-Path $PSScriptRoot '../ps-module/lib') (Join-Path $copy 'ps-module/lib')
            $out = pwsh -NoProfile -NonInteractive -Command "Import-Module '$copy/AzRs.psd1'; try { Get-AzRsEngine } catch { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category; `$_.Exception.Message }"
            $out[0] | Should -Be 'AzRsNativeLibraryMissing,Get-AzRsEngine'
            $out[1] | Should -Be 'ResourceUnavailable'
            $out[2] | Should -Match ([regex]::Escape((Join-Path $copy 'ps-module/bin')))
            $out[2] | Should -Match 'build\.ps1'
        }
        finally { Remove-Item -Recurse -Force $copy }
    }
}

Describe 'The environment crosses with each request' {
    AfterEach { $env:AZURE_TENANT_ID = $null }

    It 'sees a variable set with $env: in this session (never read through getenv)' {
        $env:AZURE_TENANT_ID = 'tenant-from-the-session'
        (Invoke-Native 'diag.env' @{ names = @('AZURE_TENANT_ID') }).AZURE_TENANT_ID | Should -Be 'tenant-from-the-session'
        $env:AZURE_TENANT_ID = 'changed-again'
        (Invoke-Native 'diag.env' @{ names = @('AZURE_TENANT_ID') }).AZURE_TENANT_ID | Should -Be 'changed-again'
        $env:AZURE_TENANT_ID = $null
        (Invoke-Native 'diag.env' @{ names = @('AZURE_TENANT_ID') }).AZURE_TENANT_ID | Should -BeNullOrEmpty
    }

    It 'passes on only the variables the engine consults' {
        $env:AZRS_TEST_UNRELATED = 'not-for-the-engine'
        try {
            $seen = Invoke-Native 'diag.env' @{ names = @('AZRS_TEST_UNRELATED', 'PATH', 'AzRs:UserProfile') }
            $seen.AZRS_TEST_UNRELATED | Should -BeNullOrEmpty
            $seen.PATH | Should -BeNullOrEmpty
            $seen.'AzRs:UserProfile' | Should -Not -BeNullOrEmpty -Because 'the block did arrive'
        }
        finally { $env:AZRS_TEST_UNRELATED = $null }
    }

    It 'follows $env:HOME for the profile folder' {
        $old = $env:HOME
        try {
            $env:HOME = [System.IO.Path]::GetTempPath().TrimEnd('/')
            (Invoke-Native 'diag.env' @{ names = @('AzRs:UserProfile') }).'AzRs:UserProfile' | Should -Be $env:HOME
        }
        finally { $env:HOME = $old }
    }

    It 'reports a -NonInteractive session as not interactive' {
        $out = pwsh -NoProfile -NonInteractive -Command "Import-Module '$manifest'; (& (Get-Module AzRs) { Import-AzRsChunk -All; Invoke-AzRsNative -Op 'diag.env' -Arguments @{ names = @('AzRs:Interactive') } }).'AzRs:Interactive'"
        $out | Should -Be 'false'
    }

    It 'keeps values with quotes, backslashes and control characters intact' {
        $env:AZURE_TENANT_ID = "a`"b\c`td"
        (Invoke-Native 'diag.env' @{ names = @('AZURE_TENANT_ID') }).AZURE_TENANT_ID | Should -BeExactly "a`"b\c`td"
    }
}

Describe 'Errors are values' {
    It 'turns an engine error into an ErrorRecord with the cmdlet in its FullyQualifiedErrorId' {
        $err = $null
        try { Invoke-Native 'nope.never' } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'UnknownOperation,Invoke-Native'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception | Should -BeOfType [System.ArgumentException]
        $err.ErrorDetails.RecommendedAction | Should -Match 'build\.ps1'
    }

    It 'refuses invalid UTF-8 across the boundary' {
        $result = & $m {
            $bytes = [byte[]](0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D)
            $ptr = [IntPtr]::Zero; $len = [UIntPtr]::Zero
            $rc = $script:AzRsNative::azrs_call($bytes, [UIntPtr]::new(6), $script:AzRsNoBytes, [UIntPtr]::Zero, [ref]$ptr, [ref]$len)
            $text = [byte[]]::new([int]$len.ToUInt64())
            [System.Runtime.InteropServices.Marshal]::Copy($ptr, $text, 0, $text.Length)
            $script:AzRsNative::azrs_buffer_free($ptr, $len)
            @{ rc = $rc; error = ConvertFrom-Json ([System.Text.Encoding]::UTF8.GetString($text)) }
        }
        $result.rc | Should -Be 1
        $result.error.code | Should -Be 'InvalidUtf8'
    }

    It 'survives a panic in the engine and keeps it off stderr' {
        $stderr = Join-Path $TestDrive 'stderr.txt'
        $out = pwsh -NoProfile -NonInteractive -Command "Import-Module '$manifest'; try { & (Get-Module AzRs) { Import-AzRsChunk -All; Invoke-AzRsNative -Op 'diag.panic' } } catch { `$_.FullyQualifiedErrorId }; (Get-AzRsEngine).Abi" 2> $stderr
        $out | Should -Be @('AzRsInternalError', '2')
        Get-Content $stderr -Raw | Should -Not -Match 'panicked'
    }
}

Describe 'Long operations' {
    It 'streams verbose, information and progress, answers prompts, and returns the result' {
        $result = Invoke-DiagWait -Arguments @{ ticks = 3; tickMs = 10; prompt = $true } -OnPrompt { param($r) "picked from: $($r.message)" } `
            -Verbose -InformationVariable info 4>&1 6>$null
        $verbose = @($result | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $value = $result | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $verbose.Message | Should -Be @('tick 1', 'tick 2', 'tick 3')
        "$info" | Should -Be 'diag.wait started'
        $value.answer | Should -Be 'picked from: Pick a number'
        $value.ticks | Should -Be 3
    }

    It 'reports an operation failure as a terminating ErrorRecord after its warnings' {
        $err = $null
        try { Invoke-DiagWait -Arguments @{ ticks = 1; tickMs = 1; fail = $true } -WarningVariable warn -WarningAction SilentlyContinue 6>$null } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'DiagFailure,Invoke-DiagWait'
        "$warn" | Should -Match 'about to fail'
    }

    It 'stops within one second of StopProcessing (Ctrl+C) and cancels the engine task' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript(@"
Import-Module '$manifest'
function Invoke-Long { [CmdletBinding()] param() & (Get-Module AzRs) { param(`$c) Import-AzRsChunk -All; Invoke-AzRsOperation -Op 'diag.wait' -Arguments @{ ticks = 600; tickMs = 100 } -Cmdlet `$c } `$PSCmdlet }
Invoke-Long
"@)
            $async = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while ((Invoke-Native 'diag.running').running -lt 1 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            (Invoke-Native 'diag.running').running | Should -BeGreaterThan 0

            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Stop()
            $watch.ElapsedMilliseconds | Should -BeLessThan 1000
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'

            $deadline = [DateTime]::UtcNow.AddSeconds(1)
            while ((Invoke-Native 'diag.running').running -gt 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 10 }
            (Invoke-Native 'diag.running').running | Should -Be 0
        }
        finally { $ps.Dispose() }
    }
}
