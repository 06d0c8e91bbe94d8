# Small helpers: case-insensitive text, ISO times, derived GUIDs, -ResultSize and canonical names.

function Test-SimText([string] $Left, [string] $Right) {
    return [string]::Equals($Left, $Right, [System.StringComparison]::OrdinalIgnoreCase)
}

function Test-SimTextIn([string] $Value, [string[]] $List) {
    foreach ($item in $List) { if (Test-SimText $Value $item) { return $true } }
    return $false
}

function ConvertTo-SimIsoText([datetime] $Time) {
    # The same shape as JavaScript's toISOString(), which writes the seeded state.
    return $Time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", $script:Invariant)
}

function ConvertTo-SimUtcDate([string] $Text) {
    return [DateTimeOffset]::Parse($Text, $script:Invariant).UtcDateTime
}

function Get-SimDerivedGuid([string] $Guid, [string] $Purpose) {
    # Stable per object: Exchange has a separate ExchangeGuid that the state does not store.
    # SHA-256 rather than MD5, which FIPS-enforcing Windows refuses.
    $sha = [System.Security.Cryptography.SHA256]::Create()
    try {
        $hash = $sha.ComputeHash([System.Text.Encoding]::UTF8.GetBytes("$Purpose/$Guid"))
        return [guid]::new([byte[]]$hash[0..15])
    } finally {
        $sha.Dispose()
    }
}

function Select-SimResultSize([object[]] $Items, [string] $ResultSize) {
    if (-not $ResultSize -or (Test-SimText $ResultSize 'Unlimited')) { return ,$Items }
    $limit = [int]$ResultSize
    if ($Items.Count -le $limit) { return ,$Items }
    if ($limit -eq 0) { return ,@() }
    return ,$Items[0..($limit - 1)]
}

# A comma that separates RDNs in a DN: an escaped one (\,) does not.
$script:RdnSeparator = [regex]::new('(?<!\\),')
# Parent DN -> its canonical path (contoso.com/Contoso/Rooms). A pure function of the text, kept for the
# process: a directory of 50,000 objects has a handful of containers.
$script:CanonicalPaths = [System.Collections.Generic.Dictionary[string, string]]::new([System.StringComparer]::Ordinal)

function ConvertTo-SimCanonicalName($State, [string] $DistinguishedName, [string] $Name) {
    # contoso.com/Contoso/Users/Booking Service: the DN read backwards. The object's own name is taken
    # as a whole, so commas or slashes in it cannot break the parse.
    $prefix = 'CN=' + $Name + ','
    if ($DistinguishedName.StartsWith($prefix, [System.StringComparison]::OrdinalIgnoreCase)) {
        $parent = $DistinguishedName.Substring($prefix.Length)
    } else {
        $parent = $script:RdnSeparator.Split($DistinguishedName, 2)[-1]
    }
    $path = $null
    if (-not $script:CanonicalPaths.TryGetValue($parent, [ref]$path)) {
        $domainParts = [System.Collections.Generic.List[string]]::new()
        $pathParts = [System.Collections.Generic.List[string]]::new()
        foreach ($rdn in $script:RdnSeparator.Split($parent)) {
            $value = ($rdn -replace '^[^=]*=', '') -replace '\\(.)', '$1'
            if ($rdn.StartsWith('DC=', [System.StringComparison]::OrdinalIgnoreCase)) { $domainParts.Add($value) }
            else { $pathParts.Insert(0, $value) }
        }
        $parts = [System.Collections.Generic.List[string]]::new()
        $parts.Add(($domainParts -join '.'))
        $parts.AddRange($pathParts)
        $path = $parts -join '/'
        $script:CanonicalPaths[$parent] = $path
    }
    return $path + '/' + $Name.Replace('/', '\/')
}
