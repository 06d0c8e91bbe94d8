# Properties a filter may name. Title and Department exist in Exchange but not in the simulated directory,
# so they are always $null.
$script:FilterProperties = @(
    'RecipientTypeDetails', 'RecipientType', 'Alias', 'Name', 'DisplayName', 'PrimarySmtpAddress', 'EmailAddresses',
    'DistinguishedName', 'Guid', 'MemberOfGroup', 'Title', 'Department', 'SamAccountName', 'UserPrincipalName',
    'mail', 'EmailAddress', 'Enabled', 'GivenName', 'Surname'
)

# Grammar: or := and (-or and)* ; and := unary (-and unary)* ; unary := (-not | !) unary | primary ;
# primary := '(' or ')' | Property (-eq|-ne|-like|-notlike) Value. Values are quoted strings (a doubled
# quote escapes it), bare words, or $null/$true/$false. The filter text is never executed.
# The same grammar as the EWS side's src/sim/recipient-filter.ts, so both halves of the simulator agree.
# Typographic quotes count as quotes, as they do for PowerShell: U+2018-U+201B like ' and U+201C-U+201E like ".
$script:SingleQuotes = "'" + [char]0x2018 + [char]0x2019 + [char]0x201A + [char]0x201B
$script:DoubleQuotes = '"' + [char]0x201C + [char]0x201D + [char]0x201E
$script:FilterWordStops = '()!' + $script:SingleQuotes + $script:DoubleQuotes

function Stop-SimFilter([string] $Filter, [string] $Detail, [int] $Position) {
    throw [InvalidFilterException]::new(($script:Messages.InvalidFilter -f $Detail, $Filter, $Position))
}

function Get-SimFilterTokens([string] $Filter) {
    $tokens = [System.Collections.Generic.List[object]]::new()
    $i = 0
    while ($i -lt $Filter.Length) {
        $c = $Filter[$i]
        if ([char]::IsWhiteSpace($c)) { $i++; continue }
        $start = $i
        if ($c -eq [char]'(' -or $c -eq [char]')') {
            $tokens.Add(@{ Type = [string]$c; Value = [string]$c; Position = $start }); $i++; continue
        }
        if ($c -eq [char]'!') {
            $tokens.Add(@{ Type = 'not'; Value = '!'; Position = $start }); $i++; continue
        }
        $quotes = $null
        if ($script:SingleQuotes.IndexOf($c) -ge 0) { $quotes = $script:SingleQuotes }
        elseif ($script:DoubleQuotes.IndexOf($c) -ge 0) { $quotes = $script:DoubleQuotes }
        if ($null -ne $quotes) {
            $quoted = Read-SimFilterQuoted $Filter $start $quotes
            $tokens.Add(@{ Type = 'Value'; Value = $quoted.Value; Position = $start })
            $i = $quoted.Next
            continue
        }
        # A word runs to the next space, parenthesis, "!" or quote.
        while ($i -lt $Filter.Length -and -not [char]::IsWhiteSpace($Filter[$i]) -and $script:FilterWordStops.IndexOf($Filter[$i]) -lt 0) { $i++ }
        $word = $Filter.Substring($start, $i - $start)
        if ($c -eq [char]'-') {
            $operator = $word.Substring(1).ToLowerInvariant()
            if ($operator -in 'eq', 'ne', 'like', 'notlike') { $tokens.Add(@{ Type = 'Comparison'; Value = $operator; Position = $start }) }
            elseif ($operator -in 'and', 'or', 'not') { $tokens.Add(@{ Type = $operator; Value = $operator; Position = $start }) }
            else { Stop-SimFilter $Filter ('"{0}" is not a supported operator.' -f $word) $start }
        } elseif ($c -eq [char]'$') {
            switch ($word.ToLowerInvariant()) {
                '$null' { $tokens.Add(@{ Type = 'Value'; Value = $null; Position = $start }) }
                '$true' { $tokens.Add(@{ Type = 'Value'; Value = 'True'; Position = $start }) }
                '$false' { $tokens.Add(@{ Type = 'Value'; Value = 'False'; Position = $start }) }
                default { Stop-SimFilter $Filter 'Variables are not allowed in a filter.' $start }
            }
        } else {
            $tokens.Add(@{ Type = 'Word'; Value = $word; Position = $start })
        }
    }
    return ,$tokens.ToArray()
}

function Read-SimFilterQuoted([string] $Filter, [int] $Start, [string] $Quotes) {
    # A doubled quote is a literal quote; inside double quotes a backtick also escapes the next character.
    $text = [System.Text.StringBuilder]::new()
    $double = $Quotes[0] -eq [char]'"'
    $i = $Start + 1
    while ($i -lt $Filter.Length) {
        $ch = $Filter[$i]
        if ($Quotes.IndexOf($ch) -ge 0) {
            if ($i + 1 -lt $Filter.Length -and $Quotes.IndexOf($Filter[$i + 1]) -ge 0) { [void]$text.Append($ch); $i += 2; continue }
            return @{ Value = $text.ToString(); Next = $i + 1 }
        }
        if ($double -and $ch -eq [char]'`' -and $i + 1 -lt $Filter.Length) { [void]$text.Append($Filter[$i + 1]); $i += 2; continue }
        [void]$text.Append($ch)
        $i++
    }
    Stop-SimFilter $Filter 'A quoted value is not closed.' $Start
}

function ConvertFrom-SimFilter([string] $Filter) {
    $parser = @{ Filter = $Filter; Tokens = (Get-SimFilterTokens $Filter); Index = 0; Depth = 0 }
    if ($parser.Tokens.Count -eq 0) { Stop-SimFilter $Filter 'The filter is empty.' 0 }
    $tree = Read-SimFilterOr $parser
    if ($parser.Index -lt $parser.Tokens.Count) {
        $token = $parser.Tokens[$parser.Index]
        Stop-SimFilter $Filter ('Unexpected "{0}".' -f $token.Value) $token.Position
    }
    return $tree
}

function Get-SimFilterToken($Parser, [string] $Type) {
    # The current token when it has the given type (any type when none is given), else $null.
    if ($Parser.Index -ge $Parser.Tokens.Count) { return $null }
    $token = $Parser.Tokens[$Parser.Index]
    if ($Type -and $token.Type -ne $Type) { return $null }
    return $token
}

function Read-SimFilterOr($Parser) {
    $left = Read-SimFilterAnd $Parser
    while ($null -ne (Get-SimFilterToken $Parser 'or')) {
        $Parser.Index++
        $left = @{ Kind = 'Or'; Left = $left; Right = (Read-SimFilterAnd $Parser) }
    }
    return $left
}

function Read-SimFilterAnd($Parser) {
    $left = Read-SimFilterUnary $Parser
    while ($null -ne (Get-SimFilterToken $Parser 'and')) {
        $Parser.Index++
        $left = @{ Kind = 'And'; Left = $left; Right = (Read-SimFilterUnary $Parser) }
    }
    return $left
}

function Read-SimFilterUnary($Parser) {
    if ($null -eq (Get-SimFilterToken $Parser 'not')) { return Read-SimFilterPrimary $Parser }
    $Parser.Index++
    Enter-SimFilterNesting $Parser
    $operand = Read-SimFilterUnary $Parser
    $Parser.Depth--
    return @{ Kind = 'Not'; Operand = $operand }
}

function Enter-SimFilterNesting($Parser) {
    # A hostile filter of thousands of parentheses must fail as bad syntax, not as a call-depth overflow.
    $Parser.Depth++
    if ($Parser.Depth -gt 32) { Stop-SimFilter $Parser.Filter 'The filter is nested too deeply.' (Get-SimFilterPosition $Parser) }
}

function Get-SimFilterPosition($Parser) {
    if ($Parser.Index -lt $Parser.Tokens.Count) { return $Parser.Tokens[$Parser.Index].Position }
    return $Parser.Filter.Length
}

function Read-SimFilterPrimary($Parser) {
    $filter = $Parser.Filter
    $token = Get-SimFilterToken $Parser
    if ($null -eq $token) { Stop-SimFilter $filter 'The filter ends too early.' $filter.Length }
    if ($token.Type -eq '(') {
        $Parser.Index++
        Enter-SimFilterNesting $Parser
        $inner = Read-SimFilterOr $Parser
        if ($null -eq (Get-SimFilterToken $Parser ')')) { Stop-SimFilter $filter 'A ")" is missing.' (Get-SimFilterPosition $Parser) }
        $Parser.Index++
        $Parser.Depth--
        return $inner
    }
    if ($token.Type -ne 'Word') { Stop-SimFilter $filter ('Expected a property name, found "{0}".' -f $token.Value) $token.Position }
    $property = $null
    foreach ($known in $script:FilterProperties) { if (Test-SimText $known $token.Value) { $property = $known } }
    if ($null -eq $property) { Stop-SimFilter $filter ('"{0}" is not a recognized filterable property.' -f $token.Value) $token.Position }
    $Parser.Index++

    $operator = Get-SimFilterToken $Parser 'Comparison'
    if ($null -eq $operator) { Stop-SimFilter $filter ('Expected -eq, -ne, -like or -notlike after "{0}".' -f $token.Value) (Get-SimFilterPosition $Parser) }
    $Parser.Index++

    $value = Get-SimFilterToken $Parser
    if ($null -eq $value -or ($value.Type -ne 'Value' -and $value.Type -ne 'Word')) {
        Stop-SimFilter $filter ('Expected a value after "-{0}".' -f $operator.Value) (Get-SimFilterPosition $Parser)
    }
    $Parser.Index++

    $node = @{ Kind = 'Compare'; Property = $property; Operator = $operator.Value; Value = $value.Value; Pattern = $null }
    if ($node.Operator -like '*like' -and $null -ne $node.Value) {
        $node.Pattern = [System.Management.Automation.WildcardPattern]::new($node.Value, [System.Management.Automation.WildcardOptions]::IgnoreCase)
        # Compile now, so a bad pattern such as '[a' is a filter error when the filter is given.
        try { [void]$node.Pattern.IsMatch('') } catch { Stop-SimFilter $filter ('"{0}" is not a valid wildcard pattern.' -f $node.Value) $value.Position }
    }
    return $node
}

function Test-SimFilter($Node, [System.Collections.IDictionary] $Facts) {
    switch ($Node.Kind) {
        'Or' { return (Test-SimFilter $Node.Left $Facts) -or (Test-SimFilter $Node.Right $Facts) }
        'And' { return (Test-SimFilter $Node.Left $Facts) -and (Test-SimFilter $Node.Right $Facts) }
        'Not' { return -not (Test-SimFilter $Node.Operand $Facts) }
    }
    # A multi-valued property matches when any value does; proxy addresses match with or without prefix.
    $values = [System.Collections.Generic.List[string]]::new()
    foreach ($value in $Facts[$Node.Property]) {
        if ($null -eq $value) { continue }
        $values.Add([string]$value)
        if ($Node.Property -eq 'EmailAddresses') { $values.Add(([string]$value -replace '^[^:]*:', '')) }
    }
    if ($null -ne $Node.Pattern) {
        $hit = $false
        foreach ($value in $values) { if ($Node.Pattern.IsMatch($value)) { $hit = $true; break } }
    } elseif ($null -eq $Node.Value) {
        $hit = $values.Count -eq 0
    } else {
        $hit = Test-SimTextIn $Node.Value $values.ToArray()
    }
    if ($Node.Operator -eq 'ne' -or $Node.Operator -eq 'notlike') { return -not $hit }
    return $hit
}

# Exchange parses a recipient filter and stores what it renders back, not the text it was given:
# every comparison and every -and/-or/-not in parentheses, property names and enum values in their
# canonical case. The exact rendering is UNCONFIRMED for scopes; it is the shape Get-DynamicDistributionGroup
# shows, e.g. ((RecipientType -eq 'UserMailbox') -and (-not(Name -like 'SystemMailbox{*'))). A caller that
# compares filters as text must therefore fail here, as it would against Exchange.
$script:FilterEnumValues = @(
    'UserMailbox', 'LinkedMailbox', 'SharedMailbox', 'LegacyMailbox', 'RoomMailbox', 'EquipmentMailbox',
    'MailContact', 'MailUser', 'MailUniversalDistributionGroup', 'MailNonUniversalGroup', 'MailUniversalSecurityGroup',
    'DynamicDistributionGroup', 'PublicFolder', 'SystemAttendantMailbox', 'SystemMailbox', 'User', 'UniversalSecurityGroup',
    'UniversalDistributionGroup', 'RoleGroup', 'DiscoveryMailbox', 'RemoteUserMailbox', 'Group'
)

function ConvertTo-SimFilterText($Node) {
    switch ($Node.Kind) {
        'Or' { return '({0} -or {1})' -f (ConvertTo-SimFilterText $Node.Left), (ConvertTo-SimFilterText $Node.Right) }
        'And' { return '({0} -and {1})' -f (ConvertTo-SimFilterText $Node.Left), (ConvertTo-SimFilterText $Node.Right) }
        'Not' { return '(-not{0})' -f (ConvertTo-SimFilterText $Node.Operand) }
    }
    if ($null -eq $Node.Value) { $value = '$null' }
    else {
        $text = [string]$Node.Value
        if ($Node.Property -eq 'RecipientTypeDetails' -or $Node.Property -eq 'RecipientType') {
            foreach ($known in $script:FilterEnumValues) { if (Test-SimText $known $text) { $text = $known } }
        }
        $value = "'" + $text.Replace("'", "''") + "'"
    }
    return '({0} -{1} {2})' -f $Node.Property, $Node.Operator, $value
}

function ConvertTo-SimStoredFilter([string] $Filter) {
    return ConvertTo-SimFilterText (ConvertFrom-SimFilter $Filter)
}
