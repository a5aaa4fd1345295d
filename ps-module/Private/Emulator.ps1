function Get-AzRsEmulatorPath {
    # The emulator binary staged by build.ps1 next to the native library (bin/<os>-<arch>/).
    $folder = Get-AzRsPlatformFolder
    $name = 'azrs-emulator'
    if ($folder.StartsWith('win-')) { $name = 'azrs-emulator.exe' }
    return [System.IO.Path]::Combine($script:AzRsModuleRoot, 'bin', $folder, $name)
}
