# The ONLY file that touches the native library. Everything else calls Invoke-AzRsNative or
# Invoke-AzRsOperation with a request name and a hashtable of arguments.
#
# Interop is declared with System.Reflection.Emit (DefinePInvokeMethod), which both .NET Framework
# 4.7.2 and .NET 8+ have, on first use rather than at import; Add-Type would compile C# (about a
# second, and missing on some hosts). UTF-8 is marshalled by hand: byte[] in (pinned by the
# marshaller), pointer + length out, copied with Marshal.Copy and given back to the library.

$script:AzRsNative = $null
$script:AzRsEnvNames = $null
$script:AzRsInteractive = $null

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
    return [System.IO.Path]::Combine($PSScriptRoot, 'bin', $folder, $file)
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
    $u64 = [UInt64]
    $outPtr = [IntPtr].MakeByRefType()
    $outSize = [UIntPtr].MakeByRefType()
    $signatures = [ordered]@{
        azrs_call         = @([int], @($bytes, $size, $outPtr, $outSize))
        azrs_op_begin     = @([int], @($bytes, $size, [UInt64].MakeByRefType(), $outPtr, $outSize))
        azrs_op_poll      = @([int], @($u64, [UInt32], $outPtr, $outSize))
        azrs_op_respond   = @([int], @($u64, $bytes, $size, $outPtr, $outSize))
        azrs_op_cancel    = @([int], @($u64))
        azrs_op_free      = @([void], @($u64))
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
    if ($abi -ne 1) {
        throw [System.Management.Automation.ErrorRecord]::new(
            [System.InvalidOperationException]::new("The AzRs engine at '$path' speaks ABI version $abi; this module needs version 1. Rebuild with ./build.ps1."),
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

function Read-AzRsBuffer {
    # Copies a library-owned UTF-8 buffer into a string and gives the buffer back.
    param([IntPtr]$Pointer, [UIntPtr]$Length)
    if ($Pointer -eq [IntPtr]::Zero) { return '' }
    try {
        $count = [int]$Length.ToUInt64()
        $bytes = [byte[]]::new($count)
        [System.Runtime.InteropServices.Marshal]::Copy($Pointer, $bytes, 0, $count)
        return [System.Text.Encoding]::UTF8.GetString($bytes)
    }
    finally {
        $script:AzRsNative::azrs_buffer_free($Pointer, $Length)
    }
}

function Initialize-AzRsEnvironmentNames {
    # The variables the engine consults come from the engine, once per session.
    $script:AzRsEnvNames = [string[]]@(Invoke-AzRsNative -Op 'engine.envNames' -NoEnvironment | Where-Object { -not $_.StartsWith('AzRs:') })
    $interactive = [Environment]::UserInteractive
    foreach ($arg in [Environment]::GetCommandLineArgs()) {
        if ($arg -like '-noni*') { $interactive = $false }
    }
    $script:AzRsInteractive = $interactive.ToString().ToLowerInvariant()
}

function ConvertTo-AzRsRequest {
    # Request JSON as bytes: {"op":..., "args":..., "env":{...}}. The env block holds the variables
    # the engine consults as PowerShell sees them now ($env: changes on Unix never reach the
    # native getenv), plus the special folders as .NET resolves them.
    param([string]$Op, $Arguments, [switch]$NoEnvironment)
    $sb = [System.Text.StringBuilder]::new(1024)
    $null = $sb.Append('{"op":"').Append($Op).Append('","args":')
    # Most requests have no arguments: skip a function call (each costs tens of microseconds).
    if ($null -eq $Arguments -or ($Arguments -is [System.Collections.IDictionary] -and $Arguments.Count -eq 0)) { $null = $sb.Append('{}') }
    else { Add-AzRsJsonValue -Builder $sb -Value $Arguments }
    if (-not $NoEnvironment) {
        if ($null -eq $script:AzRsEnvNames) { Initialize-AzRsEnvironmentNames }
        $null = $sb.Append(',"env":{"AzRs:Interactive":"').Append($script:AzRsInteractive).Append('"')
        $pairs = @(
            'AzRs:UserProfile', [Environment]::GetFolderPath([Environment+SpecialFolder]::UserProfile, [Environment+SpecialFolderOption]::DoNotVerify),
            'AzRs:LocalApplicationData', [Environment]::GetFolderPath([Environment+SpecialFolder]::LocalApplicationData, [Environment+SpecialFolderOption]::DoNotVerify))
        foreach ($i in 0, 2) {
            $null = $sb.Append(',"').Append($pairs[$i]).Append('":')
            $folder = $pairs[$i + 1]
            if ($folder.IndexOfAny($script:AzRsJsonSpecial) -lt 0) { $null = $sb.Append('"').Append($folder).Append('"') }
            else { Add-AzRsJsonString -Builder $sb -Text $folder }
        }
        foreach ($name in $script:AzRsEnvNames) {
            $value = [Environment]::GetEnvironmentVariable($name)
            if ($null -eq $value) { continue }
            $null = $sb.Append(',"').Append($name).Append('":')
            if ($value.IndexOfAny($script:AzRsJsonSpecial) -lt 0) { $null = $sb.Append('"').Append($value).Append('"') }
            else { Add-AzRsJsonString -Builder $sb -Text $value }
        }
        $null = $sb.Append('}')
    }
    $null = $sb.Append('}')
    return [System.Text.Encoding]::UTF8.GetBytes($sb.ToString())
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
    -Raw returns the JSON text unparsed (for callers that build their own objects).
    #>
    param(
        [Parameter(Mandatory)][string]$Op,
        $Arguments = @{},
        [System.Management.Automation.PSCmdlet]$Cmdlet,
        [switch]$WriteError,
        [switch]$NoEnvironment,
        [switch]$Raw
    )
    if ($null -eq $script:AzRsNative) { Initialize-AzRsNativeFor $Cmdlet }
    $bytes = ConvertTo-AzRsRequest -Op $Op -Arguments $Arguments -NoEnvironment:$NoEnvironment
    $outPtr = [IntPtr]::Zero
    $outLen = [UIntPtr]::Zero
    $rc = $script:AzRsNative::azrs_call($bytes, [UIntPtr]::new([uint64]$bytes.Length), [ref]$outPtr, [ref]$outLen)
    # Read-AzRsBuffer, inlined: this is the hot path of every quick cmdlet.
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
        return ConvertFrom-Json -InputObject $json
    }
    Submit-AzRsError -Json $json -ReturnCode $rc -Cmdlet $Cmdlet -WriteError:$WriteError
}

function Submit-AzRsError {
    param([string]$Json, [int]$ReturnCode, $Cmdlet, [switch]$WriteError)
    if ($ReturnCode -eq 1) {
        $record = New-AzRsErrorRecord (ConvertFrom-Json -InputObject $Json)
    }
    else {
        $record = New-AzRsErrorRecord @{ code = 'AzRsInternalError'; message = "The AzRs engine returned status $ReturnCode without an error value." }
    }
    if ($null -eq $Cmdlet) { throw $record }
    if ($WriteError) { $Cmdlet.WriteError($record); return }
    $Cmdlet.ThrowTerminatingError($record)
}
