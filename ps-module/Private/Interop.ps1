# The engine's C functions (rust-core/include/azrs.h) as P/Invoke declarations, made with
# System.Reflection.Emit (no Add-Type: compiling C# costs about a second and some hosts lack it).
# Two users: build.ps1 saves them once as bin/<platform>/AzRs.Interop.dll (PersistedAssemblyBuilder,
# .NET 9+), which PowerShell 7 loads on first use; Windows PowerShell 5.1, an older .NET, or a
# missing DLL emit them in memory here instead, on first use (about 50 ms more).

function Add-AzRsNativeMethods {
    # Declares the engine's functions on $Type (a TypeBuilder), bound to $Library: a path, or a
    # bare name that .NET looks up beside the assembly (azrs -> libazrs.so, azrs.dll, libazrs.dylib).
    # UTF-8 crosses by hand: byte[] in (pinned by the marshaller), pointer + length out.
    param($Type, [string]$Library)
    $bytes = [byte[]]
    $ptr = [IntPtr]
    $size = [UIntPtr]
    $u64 = [UInt64]
    $outPtr = [IntPtr].MakeByRefType()
    $outSize = [UIntPtr].MakeByRefType()
    $signatures = [ordered]@{
        azrs_call         = @([int], @($bytes, $size, $bytes, $size, $outPtr, $outSize))
        azrs_op_begin     = @([int], @($bytes, $size, $bytes, $size, [UInt64].MakeByRefType(), $outPtr, $outSize))
        azrs_op_poll      = @([int], @($u64, [UInt32], $outPtr, $outSize))
        azrs_op_respond   = @([int], @($u64, $bytes, $size, $outPtr, $outSize))
        azrs_op_cancel    = @([int], @($u64))
        azrs_op_free      = @([void], @($u64))
        azrs_buffer_free  = @([void], @($ptr, $size))
        azrs_abi_version  = @([UInt32], [type[]]@())
    }
    foreach ($entry in $signatures.GetEnumerator()) {
        $method = $Type.DefinePInvokeMethod($entry.Key, $Library,
            [System.Reflection.MethodAttributes]'Public, Static, PinvokeImpl, HideBySig',
            [System.Reflection.CallingConventions]::Standard,
            $entry.Value[0], [type[]]$entry.Value[1],
            [System.Runtime.InteropServices.CallingConvention]::Cdecl,
            [System.Runtime.InteropServices.CharSet]::Ansi)
        $method.SetImplementationFlags([System.Reflection.MethodImplAttributes]::PreserveSig)
    }
}

function New-AzRsNativeType {
    # The AzRs.Native class, emitted in memory and bound to the library at $Path.
    param([string]$Path)
    $name = [System.Reflection.AssemblyName]::new('AzRs.Interop.' + [guid]::NewGuid().ToString('N'))
    $assembly = [System.Reflection.Emit.AssemblyBuilder]::DefineDynamicAssembly($name, [System.Reflection.Emit.AssemblyBuilderAccess]::Run)
    $module = $assembly.DefineDynamicModule($name.Name)
    $type = $module.DefineType('AzRs.Native', [System.Reflection.TypeAttributes]'Public, Abstract, Sealed')
    Add-AzRsNativeMethods -Type $type -Library $Path
    return $type.CreateType()
}
