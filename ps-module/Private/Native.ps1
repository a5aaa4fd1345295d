# The P/Invoke declarations and the quick engine call. Everything else calls Invoke-AzRsNative or
# Invoke-AzRsOperation (the long-operation loop) with a request name and a hashtable of arguments;
# Get-AzAccessToken alone repeats the call inline, as its hot path.
#
# Interop is declared with System.Reflection.Emit (DefinePInvokeMethod), which both .NET Framework
# 4.7.2 and .NET 8+ have, on first use rather than at import; Add-Type would compile C# (about a
# second, and missing on some hosts). UTF-8 is marshalled by hand: byte[] in (pinned by the
# marshaller), pointer + length out, copied with Marshal.Copy and given back to the library.

$script:AzRsNative = $null
# 'true' or 'false': whether the session can prompt (pwsh -NonInteractive cannot). Known when this
# chunk loads, before any command reads it.
$script:AzRsInteractive = 'true'
if (-not [Environment]::UserInteractive) { $script:AzRsInteractive = 'false' }
foreach ($arg in [Environment]::GetCommandLineArgs()) { if ($arg -like '-noni*') { $script:AzRsInteractive = 'false' } }
$script:AzRsNoBytes = [byte[]]@()
# The class behind ConvertFrom-Json, when its assembly is loaded (pwsh loads it at start-up):
# calling it directly skips the cmdlet, whose first use imports Microsoft.PowerShell.Utility
# (~80 ms once per process) and costs ~80 us a call. $null: use the cmdlet.
$script:AzRsJsonObject = 'Microsoft.PowerShell.Commands.JsonObject' -as [type]

function Get-AzRsPlatformFolder {
    # Folder under bin/ for this OS and process architecture (linux-x64, win-x64, osx-arm64, ...).
    if ($PSVersionTable.PSEdition -eq 'Desktop') {
        if ([Environment]::Is64BitProcess) { return 'win-x64' }
        return 'win-x86'
    }
    $arch = [System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant()
    if ($IsWindows) { return "win-$arch" }
    if ($IsMacOS) { return "osx-$arch" }
    return "linux-$arch"
}

function Get-AzRsNativeLibraryPath {
    $folder = Get-AzRsPlatformFolder
    $file = 'libazrs.so'
    if ($folder.StartsWith('win-')) { $file = 'azrs.dll' }
    elseif ($folder.StartsWith('osx-')) { $file = 'libazrs.dylib' }
    return [System.IO.Path]::Combine($script:AzRsModuleRoot, 'bin', $folder, $file)
}

function Initialize-AzRsNative {
    if ($null -ne $script:AzRsNative) { return }
    $path = Get-AzRsNativeLibraryPath
    if (-not [System.IO.File]::Exists($path)) {
        $ex = [System.IO.FileNotFoundException]::new("The AzRs engine library was not found at '$path'. Build it with ./build.ps1 (or reinstall the module for this platform).", $path)
        throw [System.Management.Automation.ErrorRecord]::new($ex, 'AzRsNativeLibraryMissing', [System.Management.Automation.ErrorCategory]::ResourceUnavailable, $path)
    }

    $name = [System.Reflection.AssemblyName]::new('AzRs.Interop.' + [guid]::NewGuid().ToString('N'))
    $assembly = [System.Reflection.Emit.AssemblyBuilder]::DefineDynamicAssembly($name, [System.Reflection.Emit.AssemblyBuilderAccess]::Run)
    $module = $assembly.DefineDynamicModule($name.Name)
    $type = $module.DefineType('AzRs.Native', [System.Reflection.TypeAttributes]'Public, Abstract, Sealed')

    $bytes = [byte[]]
    $ptr = [IntPtr]
    $size = [UIntPtr]
    $outPtr = [IntPtr].MakeByRefType()
    $outSize = [UIntPtr].MakeByRefType()
    $signatures = [ordered]@{
        azrs_call         = @([int], @($bytes, $size, $bytes, $size, $outPtr, $outSize))
        azrs_buffer_free  = @([void], @($ptr, $size))
        azrs_abi_version  = @([UInt32], [type[]]@())
    }
    foreach ($entry in $signatures.GetEnumerator()) {
        $method = $type.DefinePInvokeMethod($entry.Key, $path,
            [System.Reflection.MethodAttributes]'Public, Static, PinvokeImpl, HideBySig',
            [System.Reflection.CallingConventions]::Standard,
            $entry.Value[0], [type[]]$entry.Value[1],
            [System.Runtime.InteropServices.CallingConvention]::Cdecl,
            [System.Runtime.InteropServices.CharSet]::Ansi)
        $method.SetImplementationFlags([System.Reflection.MethodImplAttributes]::PreserveSig)
    }
    $native = $type.CreateType()
    $abi = $native::azrs_abi_version()
    if ($abi -ne 2) {
        throw [System.Management.Automation.ErrorRecord]::new(
            [System.InvalidOperationException]::new("The AzRs engine at '$path' speaks ABI version $abi; this module needs version 2. Rebuild with ./build.ps1."),
            'AzRsNativeLibraryMismatch', [System.Management.Automation.ErrorCategory]::ResourceUnavailable, $path)
    }
    $script:AzRsNative = $native
}

function Initialize-AzRsNativeFor {
    # Loads the library, reporting a failure as the calling cmdlet's own error.
    param($Cmdlet)
    try { Initialize-AzRsNative }
    catch {
        if ($null -ne $Cmdlet) { $Cmdlet.ThrowTerminatingError($_) }
        throw
    }
}

function Get-AzRsEnvironmentBlock {
    <#
    The environment as PowerShell sees it now ($env: changes on Unix never reach the native
    getenv), plus the special folders as .NET resolves them and whether the session is
    interactive: UTF-8 names joined by NUL, two NULs, then the values in the same order. The
    engine keeps only the names it consults (ENV_NAMES in rust-core/src/request.rs). Three .NET
    calls instead of a lookup per name: this runs on every request.
    #>
    $vars = [Environment]::GetEnvironmentVariables()
    $vars['AzRs:UserProfile'] = [Environment]::GetFolderPath([Environment+SpecialFolder]::UserProfile, [Environment+SpecialFolderOption]::DoNotVerify)
    $vars['AzRs:LocalApplicationData'] = [Environment]::GetFolderPath([Environment+SpecialFolder]::LocalApplicationData, [Environment+SpecialFolderOption]::DoNotVerify)
    $vars['AzRs:Interactive'] = $script:AzRsInteractive
    # CopyTo: an explicit [string[]] conversion of the key collection costs ~0.5 ms in PowerShell.
    $names = [string[]]::new($vars.Count)
    $vars.Keys.CopyTo($names, 0)
    $values = [string[]]::new($vars.Count)
    $vars.Values.CopyTo($values, 0)
    # The comma keeps the byte[] whole: returned bare, PowerShell would unroll it into an object[]
    # of boxed bytes, and the P/Invoke would convert it back on every call.
    return , [System.Text.Encoding]::UTF8.GetBytes([string]::Join("`0", $names) + "`0`0" + [string]::Join("`0", $values))
}

function ConvertTo-AzRsRequest {
    # Request JSON as bytes: {"op":..., "args":...}. The environment travels beside it. -Begin
    # wraps the request as the argument of operation.begin (see Invoke-AzRsOperation).
    param([string]$Op, $Arguments, [switch]$Begin)
    $empty = $null -eq $Arguments -or ($Arguments -is [System.Collections.IDictionary] -and $Arguments.Count -eq 0)
    # Most requests have no arguments: skip the builder (each call costs tens of microseconds).
    if ($empty -and -not $Begin) { return , [System.Text.Encoding]::UTF8.GetBytes('{"op":"' + $Op + '","args":{}}') }
    $sb = [System.Text.StringBuilder]::new(256)
    if ($Begin) { $null = $sb.Append('{"op":"operation.begin","args":') }
    $null = $sb.Append('{"op":"').Append($Op).Append('","args":')
    if ($empty) { $null = $sb.Append('{}') }
    elseif ($Arguments -is [System.Collections.IDictionary]) { Add-AzRsJsonObject -Builder $sb -Dictionary $Arguments }
    else { Add-AzRsJsonValue -Builder $sb -Value $Arguments }
    $null = $sb.Append('}')
    if ($Begin) { $null = $sb.Append('}') }
    return , [System.Text.Encoding]::UTF8.GetBytes($sb.ToString())
}

function New-AzRsErrorRecord {
    # Turns an engine error value ({code, category, message, remedy?, target?}) into an ErrorRecord.
    param($ErrorValue)
    $category = [System.Management.Automation.ErrorCategory]::NotSpecified
    if ($ErrorValue.category -and [Enum]::IsDefined([System.Management.Automation.ErrorCategory], [string]$ErrorValue.category)) {
        $category = [System.Management.Automation.ErrorCategory][string]$ErrorValue.category
    }
    $message = [string]$ErrorValue.message
    $ex = switch ($category) {
        'InvalidArgument' { [System.ArgumentException]::new($message) }
        'ObjectNotFound' { [System.Management.Automation.ItemNotFoundException]::new($message) }
        'PermissionDenied' { [System.UnauthorizedAccessException]::new($message) }
        'AuthenticationError' { [System.Security.Authentication.AuthenticationException]::new($message) }
        'OperationStopped' { [System.OperationCanceledException]::new($message) }
        'OperationTimeout' { [System.TimeoutException]::new($message) }
        'ReadError' { [System.IO.IOException]::new($message) }
        'WriteError' { [System.IO.IOException]::new($message) }
        default { [System.InvalidOperationException]::new($message) }
    }
    $code = [string]$ErrorValue.code
    if (-not $code) { $code = 'AzRsError' }
    $record = [System.Management.Automation.ErrorRecord]::new($ex, $code, $category, $ErrorValue.target)
    if ($ErrorValue.remedy) {
        $record.ErrorDetails = [System.Management.Automation.ErrorDetails]::new($message)
        $record.ErrorDetails.RecommendedAction = [string]$ErrorValue.remedy
    }
    return $record
}

function Invoke-AzRsNative {
    <#
    Runs a quick engine operation and returns its result, parsed from JSON.
    With -Cmdlet, engine errors become that cmdlet's terminating error (FullyQualifiedErrorId
    '<code>,<Cmdlet>'); with -WriteError as well, a non-terminating one, and $null is returned.
    -Raw returns the JSON text unparsed (for callers that build their own objects); -Request
    passes request bytes built beforehand (hot paths keep them in a script variable).
    A plain function (no [Parameter] attributes): an advanced one costs more per call, and this is
    the path of every quick cmdlet.
    #>
    param([string]$Op, $Arguments, $Cmdlet, [switch]$WriteError, [switch]$NoEnvironment, [switch]$Raw, [byte[]]$Request)
    if ($null -eq $script:AzRsNative) { Initialize-AzRsNativeFor $Cmdlet }
    if ($null -eq $Request) { $Request = ConvertTo-AzRsRequest -Op $Op -Arguments $Arguments }
    if ($NoEnvironment) { $environ = $script:AzRsNoBytes } else { $environ = Get-AzRsEnvironmentBlock }
    $outPtr = [IntPtr]::Zero
    $outLen = [UIntPtr]::Zero
    $rc = $script:AzRsNative::azrs_call($Request, [UIntPtr]::new([uint64]$Request.Length), $environ, [UIntPtr]::new([uint64]$environ.Length), [ref]$outPtr, [ref]$outLen)
    # The library-owned buffer, copied and given back.
    $json = ''
    if ($outPtr -ne [IntPtr]::Zero) {
        try {
            $count = [int]$outLen.ToUInt64()
            $buffer = [byte[]]::new($count)
            [System.Runtime.InteropServices.Marshal]::Copy($outPtr, $buffer, 0, $count)
            $json = [System.Text.Encoding]::UTF8.GetString($buffer)
        }
        finally { $script:AzRsNative::azrs_buffer_free($outPtr, $outLen) }
    }
    if ($rc -eq 0) {
        if ($Raw) { return $json }
        if ($null -ne $script:AzRsJsonObject) { $jsonError = $null; return $script:AzRsJsonObject::ConvertFromJson($json, [ref]$jsonError) }
        return ConvertFrom-Json -InputObject $json
    }
    Submit-AzRsError -Json $json -ReturnCode $rc -Cmdlet $Cmdlet -WriteError:$WriteError
}

function Submit-AzRsError {
    param([string]$Json, [int]$ReturnCode, $Cmdlet, [switch]$WriteError)
    if ($ReturnCode -eq 1) {
        $record = New-AzRsErrorRecord (ConvertFrom-AzRsJson $Json)
    }
    else {
        $record = New-AzRsErrorRecord @{ code = 'AzRsInternalError'; message = "The AzRs engine returned status $ReturnCode without an error value." }
    }
    if ($null -eq $Cmdlet) { throw $record }
    if ($WriteError) { $Cmdlet.WriteError($record); return }
    $Cmdlet.ThrowTerminatingError($record)
}

function ConvertFrom-AzRsJson {
    # ConvertFrom-Json's objects, through its class when at hand (see $script:AzRsJsonObject).
    param([string]$Json)
    if ($null -ne $script:AzRsJsonObject) { $jsonError = $null; return $script:AzRsJsonObject::ConvertFromJson($Json, [ref]$jsonError) }
    return ConvertFrom-Json -InputObject $Json
}
