# Reads PowerShell files (never runs them) and lists what they use that Windows PowerShell 5.1 on
# .NET Framework 4.8 lacks. Run by test/templates/windows-powershell.test.ts under pwsh 7.
#
# Checked:
# - Every type the files name ([T] literals, casts, -as/-is, parameter, catch and class base types,
#   attributes, New-Object T) resolves, the way 5.1 resolves it (its type accelerators, a 'System.' prefix,
#   the file's 'using namespace'), to a class the files define or a public type of the .NET Framework 4.8
#   reference assemblies or of PowerShell Standard 5.1's System.Management.Automation. PowerShell Standard is
#   a subset of 5.1's API: what it has, 5.1 has.
# - Members of a type that is known without running: [T]::Member, [T]::new(...), New-Object T args, and
#   instance members of an expression whose type follows from a literal, a cast, New-Object, [T]::new, a
#   typed parameter or variable, a cmdlet whose 5.1 page gives one output type, a variable whose every
#   assignment in its function gives the same such type (or that a session command set, see
#   -SessionCommands), a foreach over a typed array, and from there the declared types of properties and
#   of method results. A method must have an overload that takes the number of arguments given. A member
#   missing from a type that may hold a derived object (a parameter typed [System.Exception]) is not
#   reported.
# - Every named parameter given to a cmdlet of Windows PowerShell 5.1's own modules: the cmdlet and the
#   parameter (its full name or a listed alias) must be in the 5.1 list ($Reference), keys of hashtable
#   literals splatted to it too.
# Not checked: members of objects whose type is unknown here ($_, pipeline and cmdlet output, Exchange
# objects, PSCustomObjects, hashtable keys), the argument types of an overload (only their number),
# positional parameters, parameter values and sets, cmdlets of other modules (Exchange, ActiveDirectory,
# ScheduledTasks) and any behaviour that differs between versions behind the same name. Members that 5.1's
# types.ps1xml adds (DateTime.DateTime, FileInfo.BaseName) are not in the reference assemblies and are
# reported on a known type: use the .NET member.
using namespace System.Management.Automation.Language
using namespace System.Collections.Generic

[CmdletBinding(PositionalBinding = $false)]
param(
    [Parameter(Mandatory = $true)][string]$Packages,
    [Parameter(Mandatory = $true)][string]$Reference,
    # The first $SessionCommands files are commands imp sends to its PowerShell session before templates run
    # (src/powershell): the variables they set (such as $ImpSecretKey) keep their types in every file.
    [int]$SessionCommands = 0,
    [Parameter(ValueFromRemainingArguments = $true)][string[]]$Files
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 2

# The checks live in a class: a PowerShell function call costs about 20 times a method call, and a scan
# makes thousands of them.
class Scan {
    static [Dictionary[string, type]] $Types = [Dictionary[string, type]]::new([StringComparer]::OrdinalIgnoreCase)
    static [Dictionary[string, string]] $Accelerators = [Dictionary[string, string]]::new([StringComparer]::OrdinalIgnoreCase)
    static [HashSet[string]] $ScriptTypes = [HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
    static [HashSet[string]] $ScriptFunctions = [HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
    static [Dictionary[string, object]] $Cmdlets = [Dictionary[string, object]]::new([StringComparer]::OrdinalIgnoreCase)
    static [HashSet[string]] $BuiltInNames = [HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
    static [HashSet[string]] $CommonParameters = [HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
    static [Dictionary[string, string]] $Aliases = [Dictionary[string, string]]::new([StringComparer]::OrdinalIgnoreCase)
    static [Dictionary[string, string]] $PwshCommands = [Dictionary[string, string]]::new([StringComparer]::OrdinalIgnoreCase)
    static [string] $ListName
    static [object] $ScriptClass = [pscustomobject]@{ scriptClass = $true }
    static [object] $Unknown = [pscustomobject]@{ unknown = $true }
    static [type] $ObjectType
    static [type] $StringType
    static [type] $DictionaryType
    static [type[]] $DynamicTypes
    # Members PowerShell gives every object (about_Intrinsic_Members).
    static [string[]] $IntrinsicMembers = @('Count', 'Length', 'ForEach', 'Where', 'PSObject', 'PSBase', 'PSAdapted', 'PSExtended', 'PSTypeNames')
    static [hashtable] $TypeCache = @{}
    static [hashtable] $MemberCache = @{}

    # The file being scanned.
    static [string] $File
    static [Ast] $FileAst
    static [Ast[]] $Nodes
    static [string[]] $Namespaces
    static [Dictionary[Ast, Ast]] $Scopes
    static [hashtable] $VariableTypes
    static [HashSet[string]] $ExactVariables
    static [Dictionary[Ast, object]] $MemberTypes
    static [Dictionary[Ast, object]] $NewObjectTypes
    static [List[string]] $Problems
    static [HashSet[string]] $Reported
    static [hashtable] $Counts
    static [hashtable] $SessionTypes = @{}
    static [HashSet[string]] $SessionExact = [HashSet[string]]::new()

    static [type] RefType([string]$FullName) {
        $found = $null
        if ([Scan]::Types.TryGetValue($FullName, [ref]$found)) { return $found }
        return $null
    }

    static [void] AddProblem([Ast]$Node, [string]$Text) {
        $line = [Scan]::File + ':' + $Node.Extent.StartLineNumber + ': ' + $Text
        if ([Scan]::Reported.Add($line)) { [Scan]::Problems.Add($line) }
    }

    static [object] FindType([string]$Name, [int]$Arity) {
        if ($Arity -eq 0 -and [Scan]::ScriptTypes.Contains($Name)) { return [Scan]::ScriptClass }
        $key = $Name + '|' + $Arity + '|' + ([Scan]::Namespaces -join ',')
        if ([Scan]::TypeCache.ContainsKey($key)) { return [Scan]::TypeCache[$key] }
        $suffix = ''
        if ($Arity -gt 0) { $suffix = '`' + $Arity }
        $candidates = [List[string]]::new()
        if ($Arity -eq 0 -and [Scan]::Accelerators.ContainsKey($Name)) { $candidates.Add([Scan]::Accelerators[$Name]) }
        $candidates.Add($Name + $suffix)
        $candidates.Add('System.' + $Name + $suffix)
        foreach ($namespace in [Scan]::Namespaces) { $candidates.Add($namespace + '.' + $Name + $suffix) }
        $found = $null
        foreach ($candidate in $candidates) {
            $found = [Scan]::RefType($candidate)
            if ($found) { break }
        }
        [Scan]::TypeCache[$key] = $found
        return $found
    }

    # A TypeName from the AST -> a reference type, [Scan]::ScriptClass, or $null (reported when missing).
    static [object] ResolveType([ITypeName]$TypeName, [Ast]$Node, [string]$Suffix) {
        if ($TypeName -is [ArrayTypeName]) {
            $element = [Scan]::ResolveType($TypeName.ElementType, $Node, '')
            if ($element -is [type]) { return $element.MakeArrayType() }
            return $null
        }
        if ($TypeName -is [GenericTypeName]) {
            $arguments = [List[type]]::new()
            foreach ($argument in $TypeName.GenericArguments) {
                $resolved = [Scan]::ResolveType($argument, $Node, '')
                if ($resolved -is [type]) { $arguments.Add($resolved) }
            }
            $definition = [Scan]::FindType($TypeName.TypeName.FullName, $TypeName.GenericArguments.Count)
            if (-not $definition) { [Scan]::AddProblem($Node, "type [$($TypeName.FullName)] is not in .NET Framework 4.8"); return $null }
            if ($arguments.Count -ne $TypeName.GenericArguments.Count) { return $null }
            return $definition.MakeGenericType($arguments.ToArray())
        }
        [Scan]::Counts.types++
        $found = $null
        if ($Suffix) { $found = [Scan]::FindType($TypeName.Name + $Suffix, 0) }
        if (-not $found) { $found = [Scan]::FindType($TypeName.Name, 0) }
        if (-not $found) { [Scan]::AddProblem($Node, "type [$($TypeName.FullName)] is not in .NET Framework 4.8 nor in Windows PowerShell 5.1") }
        return $found
    }

    static [bool] IsDynamic([type]$Type) {
        if ($Type -eq [Scan]::ObjectType) { return $true }
        foreach ($dynamic in [Scan]::DynamicTypes) { if ($dynamic.IsAssignableFrom($Type)) { return $true } }
        return $false
    }

    # The public members called $Name: the type's own, its base types' and its interfaces' (PowerShell binds
    # explicitly implemented interface members too, e.g. @(1).Contains(1)).
    static [System.Reflection.MemberInfo[]] Members([type]$Type, [string]$Name, [bool]$Static) {
        $flags = [System.Reflection.BindingFlags]'Public, IgnoreCase, FlattenHierarchy'
        if ($Static) { $flags = $flags -bor [System.Reflection.BindingFlags]::Static } else { $flags = $flags -bor [System.Reflection.BindingFlags]::Instance }
        $members = [List[System.Reflection.MemberInfo]]::new([System.Reflection.MemberInfo[]]$Type.GetMember($Name, $flags))
        if (-not $Static) {
            foreach ($interface in $Type.GetInterfaces()) { $members.AddRange([System.Reflection.MemberInfo[]]$interface.GetMember($Name, $flags)) }
            if ($Type.IsInterface) { $members.AddRange([System.Reflection.MemberInfo[]][Scan]::ObjectType.GetMember($Name, $flags)) }
        }
        return $members.ToArray()
    }

    static [bool] TakesArguments([System.Reflection.MethodBase]$Method, [int]$Count) {
        $parameters = $Method.GetParameters()
        $required = 0
        foreach ($parameter in $parameters) { if (-not $parameter.IsOptional) { $required++ } }
        if ($parameters.Count -gt 0) {
            foreach ($attribute in $parameters[-1].CustomAttributes) {
                if ($attribute.AttributeType.FullName -eq 'System.ParamArrayAttribute') { return $Count -ge ($parameters.Count - 1) }
            }
        }
        return ($Count -ge $required -and $Count -le $parameters.Count)
    }

    # Checks one member use; returns the type of its value when that is known. $Exact: the object is of
    # exactly $Type (constructed or a literal); otherwise it may be of a derived type whose members the
    # reference cannot know, and a member that is not found is reported only for a sealed type.
    static [type] CheckMember([type]$Type, [string]$Name, [bool]$Static, [int]$Arguments, [bool]$Invoked, [bool]$Exact, [Ast]$Node) {
        [Scan]::Counts.members++
        $key = [string][System.Runtime.CompilerServices.RuntimeHelpers]::GetHashCode($Type) + '|' + $Type.FullName + '|' + $Name + '|' + $Static + '|' + $Arguments + '|' + $Invoked + '|' + $Exact
        if (-not [Scan]::MemberCache.ContainsKey($key)) { [Scan]::MemberCache[$key] = [Scan]::ResolveMember($Type, $Name, $Static, $Arguments, $Invoked, $Exact) }
        $outcome = [Scan]::MemberCache[$key]
        if ($outcome.problem) { [Scan]::AddProblem($Node, $outcome.problem) }
        return $outcome.type
    }

    static [hashtable] ResolveMember([type]$Type, [string]$Name, [bool]$Static, [int]$Arguments, [bool]$Invoked, [bool]$Exact) {
        $separator = '.'
        if ($Static) { $separator = '::' }
        $display = '[' + $Type.FullName + ']' + $separator + $Name
        if ($Name -eq 'new' -and $Static -and $Invoked) {
            $found = $Type.IsValueType -and $Arguments -eq 0
            foreach ($constructor in $Type.GetConstructors()) { if ([Scan]::TakesArguments($constructor, $Arguments)) { $found = $true; break } }
            if (-not $found) { return @{ type = $Type; problem = "$display($Arguments arguments): no such constructor in .NET Framework 4.8" } }
            return @{ type = $Type; problem = $null }
        }
        if (-not $Static -and [Scan]::IsDynamic($Type)) { return @{ type = $null; problem = $null } }
        $members = [Scan]::Members($Type, $Name, $Static)
        if ($members.Count -eq 0) {
            $certain = $Static -or $Exact -or $Type.IsSealed -or $Type.IsValueType
            if (-not $Static -and [Scan]::IntrinsicMembers -contains $Name) { $certain = $false }
            if (-not $Static -and -not $Invoked -and [Scan]::DictionaryType.IsAssignableFrom($Type)) { $certain = $false }
            if ($certain) { return @{ type = $null; problem = "$display is not in .NET Framework 4.8" } }
            return @{ type = $null; problem = $null }
        }
        $valueTypes = @{}
        if ($Invoked) {
            $methods = 0
            foreach ($member in $members) {
                if ($member.MemberType -ne 'Method') { continue }
                $methods++
                if ([Scan]::TakesArguments($member, $Arguments)) { $valueTypes[$member.ReturnType.FullName] = $member.ReturnType }
            }
            if ($methods -gt 0 -and $valueTypes.Count -eq 0) {
                return @{ type = $null; problem = "$display($Arguments arguments): no overload takes $Arguments arguments in .NET Framework 4.8" }
            }
        } else {
            foreach ($member in $members) {
                if ($member.MemberType -eq 'Property') { $valueTypes[$member.PropertyType.FullName] = $member.PropertyType }
                elseif ($member.MemberType -eq 'Field') { $valueTypes[$member.FieldType.FullName] = $member.FieldType }
            }
        }
        $result = $null
        if ($valueTypes.Count -eq 1) {
            $result = @($valueTypes.Values)[0]
            if ($null -eq $result.FullName -or $result.ContainsGenericParameters -or $result.FullName -eq 'System.Void') { $result = $null }
        }
        return @{ type = $result; problem = $null }
    }

    # New-Object [-TypeName] T [[-ArgumentList] args] [-Property @{...}]: the type, its argument count.
    static [hashtable] NewObjectUse([CommandAst]$Command) {
        $named = @{}
        $positional = [List[Ast]]::new()
        $elements = $Command.CommandElements
        for ($i = 1; $i -lt $elements.Count; $i++) {
            $element = $elements[$i]
            if ($element -is [CommandParameterAst]) {
                $value = $element.Argument
                if (-not $value -and $i + 1 -lt $elements.Count -and $elements[$i + 1] -isnot [CommandParameterAst]) { $i++; $value = $elements[$i] }
                $named[$element.ParameterName] = $value
            } else { $positional.Add($element) }
        }
        $typeArgument = $named['TypeName']
        if (-not $typeArgument -and $positional.Count -gt 0) { $typeArgument = $positional[0]; $positional.RemoveAt(0) }
        if ($named.ContainsKey('ComObject') -or $typeArgument -isnot [StringConstantExpressionAst]) { return $null }
        $argumentList = $named['ArgumentList']
        if (-not $argumentList -and $positional.Count -gt 0) { $argumentList = $positional[0] }
        $count = 0
        if ($argumentList) {
            $inner = $argumentList
            if ($inner -is [ParenExpressionAst] -and $inner.Pipeline -is [PipelineAst] -and $inner.Pipeline.PipelineElements.Count -eq 1 -and $inner.Pipeline.PipelineElements[0] -is [CommandExpressionAst]) {
                $inner = $inner.Pipeline.PipelineElements[0].Expression
            }
            if ($inner -is [ArrayLiteralAst]) { $count = $inner.Elements.Count } else { $count = 1 }
        }
        $tokens = $null; $errors = $null
        $typeAst = [Parser]::ParseInput('[' + $typeArgument.Value + ']', [ref]$tokens, [ref]$errors).Find({ param($n) $n -is [TypeExpressionAst] }, $true)
        if (-not $typeAst) { return $null }
        return @{ typeName = $typeAst.TypeName; arguments = $count; property = $named['Property'] }
    }

    static [object] NewObjectType([CommandAst]$Command) {
        $known = $null
        if ([Scan]::NewObjectTypes.TryGetValue($Command, [ref]$known)) { return $known }
        $use = [Scan]::NewObjectUse($Command)
        $type = $null
        if ($use) {
            $type = [Scan]::ResolveType($use.typeName, $Command, '')
            if ($type -is [type]) {
                [void][Scan]::CheckMember($type, 'new', $true, $use.arguments, $true, $true, $Command)
                if ($use.property -is [HashtableAst]) {
                    foreach ($pair in $use.property.KeyValuePairs) {
                        if ($pair.Item1 -is [StringConstantExpressionAst]) { [void][Scan]::CheckMember($type, $pair.Item1.Value, $false, 0, $false, $true, $Command) }
                    }
                }
            }
        }
        [Scan]::NewObjectTypes[$Command] = $type
        return $type
    }

    # Variables, per function (or file): a variable's type is known when every assignment to it in the
    # function gives the same known type, or when it is declared with a type ([T]$x, typed parameters).
    static [string] VariableKey([Ast]$Scope, [string]$Name) { return [string]$Scope.Extent.StartOffset + ':' + $Name.ToLowerInvariant() }

    # The key of the nearest enclosing function that assigns the variable: PowerShell's dynamic scoping
    # mostly reads a variable a function does not set from the script that defines the function.
    static [string] VariableKeyFor([VariableExpressionAst]$Variable) {
        $name = $Variable.VariablePath.UserPath
        $scope = [Scan]::Scopes[$Variable]
        while ($true) {
            $key = [Scan]::VariableKey($scope, $name)
            if ([Scan]::VariableTypes.ContainsKey($key)) { return $key }
            if ($scope -eq [Scan]::FileAst) {
                $key = 'session:' + $name.ToLowerInvariant()
                if ([Scan]::VariableTypes.ContainsKey($key)) { return $key }
                return $null
            }
            $scope = [Scan]::Scopes[$scope]
        }
        return $null
    }

    static [type] VariableType([VariableExpressionAst]$Variable) {
        $key = [Scan]::VariableKeyFor($Variable)
        if ($null -eq $key) { return $null }
        $t = [Scan]::VariableTypes[$key]
        if ($t -is [type]) { return $t }
        return $null
    }

    static [type] StatementType([Ast]$Statement) {
        if ($Statement -is [CommandExpressionAst]) { return [Scan]::ExpressionType($Statement.Expression) }
        if ($Statement -is [PipelineAst] -and $Statement.PipelineElements.Count -eq 1) { return [Scan]::StatementType($Statement.PipelineElements[0]) }
        # A pipeline's value is what its last command writes: the type its 5.1 page gives (each of several
        # objects is of it; PowerShell applies a member to each).
        if ($Statement -is [PipelineAst]) { return [Scan]::StatementType($Statement.PipelineElements[$Statement.PipelineElements.Count - 1]) }
        if ($Statement -is [CommandAst]) {
            $name = $Statement.GetCommandName()
            if ($name -eq 'New-Object') {
                $t = [Scan]::NewObjectType($Statement)
                if ($t -is [type]) { return $t }
            }
            $listed = $null
            if ($name -and [Scan]::Cmdlets.TryGetValue($name, [ref]$listed) -and $listed.PSObject.Properties['output']) { return [Scan]::RefType($listed.output) }
        }
        return $null
    }

    static [bool] IsExactStatement([Ast]$Statement) {
        if ($Statement -is [CommandExpressionAst]) { return [Scan]::IsExact($Statement.Expression) }
        if ($Statement -is [PipelineAst] -and $Statement.PipelineElements.Count -eq 1) { return [Scan]::IsExactStatement($Statement.PipelineElements[0]) }
        return ($Statement -is [CommandAst] -and $Statement.GetCommandName() -eq 'New-Object')
    }

    # Whether an expression's value is of exactly the type found for it (see CheckMember).
    static [bool] IsExact([Ast]$Expression) {
        if ($Expression -is [StringConstantExpressionAst] -or $Expression -is [ExpandableStringExpressionAst] -or $Expression -is [ConstantExpressionAst]) { return $true }
        if ($Expression -is [ParenExpressionAst]) { return [Scan]::IsExactStatement($Expression.Pipeline) }
        if ($Expression -is [InvokeMemberExpressionAst]) { return $Expression.Static -and $Expression.Member -is [StringConstantExpressionAst] -and $Expression.Member.Value -eq 'new' }
        if ($Expression -is [VariableExpressionAst]) {
            $key = [Scan]::VariableKeyFor($Expression)
            return $null -ne $key -and [Scan]::ExactVariables.Contains($key)
        }
        return $false
    }

    static [type] ExpressionType([Ast]$Expression) {
        if ($null -eq $Expression) { return $null }
        if ($Expression -is [StringConstantExpressionAst] -or $Expression -is [ExpandableStringExpressionAst]) { return [Scan]::StringType }
        if ($Expression -is [ConstantExpressionAst]) {
            if ($null -ne $Expression.Value) { return [Scan]::RefType($Expression.StaticType.FullName) }
            return $null
        }
        if ($Expression -is [ConvertExpressionAst]) {
            if ($Expression.Type.TypeName.Name -eq 'ordered') { return [Scan]::RefType('System.Collections.Specialized.OrderedDictionary') }
            $t = [Scan]::ResolveType($Expression.Type.TypeName, $Expression, '')
            if ($t -is [type]) { return $t }
            return $null
        }
        if ($Expression -is [ParenExpressionAst]) { return [Scan]::StatementType($Expression.Pipeline) }
        if ($Expression -is [VariableExpressionAst]) { return [Scan]::VariableType($Expression) }
        if ($Expression -is [HashtableAst]) { return [Scan]::RefType('System.Collections.Hashtable') }
        if ($Expression -is [ScriptBlockExpressionAst]) { return [Scan]::RefType('System.Management.Automation.ScriptBlock') }
        if ($Expression -is [MemberExpressionAst]) { return [Scan]::MemberType($Expression) }
        if ($Expression -is [BinaryExpressionAst]) {
            if ($Expression.Operator -eq 'As' -and $Expression.Right -is [TypeExpressionAst]) {
                $t = [Scan]::ResolveType($Expression.Right.TypeName, $Expression, '')
                if ($t -is [type]) { return $t }
            }
            if (@('Format', 'Join', 'Ireplace', 'Creplace') -contains [string]$Expression.Operator) { return [Scan]::StringType }
            return $null
        }
        if ($Expression -is [IndexExpressionAst]) {
            $target = [Scan]::ExpressionType($Expression.Target)
            if ($target -and $target.IsArray -and $Expression.Index -isnot [ArrayLiteralAst]) { return $target.GetElementType() }
        }
        return $null
    }

    # The type of a member expression's value, checking the member on the way (each use once).
    static [type] MemberType([MemberExpressionAst]$Member) {
        $known = $null
        if ([Scan]::MemberTypes.TryGetValue($Member, [ref]$known)) { return $known }
        [Scan]::MemberTypes[$Member] = $null
        $result = $null
        if ($Member.Member -is [StringConstantExpressionAst]) {
            $target = $null
            if ($Member.Static -and $Member.Expression -is [TypeExpressionAst]) {
                $target = [Scan]::ResolveType($Member.Expression.TypeName, $Member.Expression, '')
            } elseif (-not $Member.Static) {
                $target = [Scan]::ExpressionType($Member.Expression)
            }
            if ($target -is [type]) {
                $invoked = $Member -is [InvokeMemberExpressionAst]
                $count = 0
                if ($invoked -and $Member.Arguments) { $count = $Member.Arguments.Count }
                $result = [Scan]::CheckMember($target, $Member.Member.Value, $Member.Static, $count, $invoked, [Scan]::IsExact($Member.Expression), $Member)
            }
        }
        [Scan]::MemberTypes[$Member] = $result
        return $result
    }

    # Scopes (the nodes come in document order, a function's nodes right after it), then variable types
    # in document order, so that a variable assigned from an earlier one is typed too.
    static [void] ReadVariables() {
        [Scan]::Scopes = [Dictionary[Ast, Ast]]::new()
        $open = [Stack[Ast]]::new()
        $open.Push([Scan]::FileAst)
        foreach ($node in [Scan]::Nodes) {
            while ($open.Count -gt 1 -and $node.Extent.StartOffset -ge $open.Peek().Extent.EndOffset) { [void]$open.Pop() }
            [Scan]::Scopes[$node] = $open.Peek()
            if ($node -is [FunctionDefinitionAst] -or $node -is [FunctionMemberAst]) { $open.Push($node) }
        }
        [Scan]::VariableTypes = @{}
        [Scan]::ExactVariables = [HashSet[string]]::new()
        foreach ($name in [Scan]::SessionTypes.Keys) { [Scan]::VariableTypes['session:' + $name] = [Scan]::SessionTypes[$name] }
        foreach ($name in [Scan]::SessionExact) { [void][Scan]::ExactVariables.Add('session:' + $name) }
        $seen = @{}
        foreach ($a in [Scan]::Nodes) {
            if ($a -isnot [AssignmentStatementAst] -and $a -isnot [ForEachStatementAst] -and $a -isnot [ParameterAst]) { continue }
            $variable = $null
            $type = $null
            $exact = $false
            $scope = [Scan]::Scopes[$a]
            if ($a -is [ParameterAst]) {
                $variable = $a.Name
                foreach ($attribute in $a.Attributes) {
                    if ($attribute -is [TypeConstraintAst]) { $type = [Scan]::ResolveType($attribute.TypeName, $attribute, ''); break }
                }
            } elseif ($a -is [ForEachStatementAst]) {
                $variable = $a.Variable
                $source = $null
                if ($a.Condition -is [PipelineAst] -and $a.Condition.PipelineElements.Count -eq 1 -and $a.Condition.PipelineElements[0] -is [CommandExpressionAst]) {
                    $source = [Scan]::ExpressionType($a.Condition.PipelineElements[0].Expression)
                }
                if ($source -and $source.IsArray) { $type = $source.GetElementType() }
            } elseif ($a.Left -is [ConvertExpressionAst] -and $a.Left.Child -is [VariableExpressionAst]) {
                # [T]$x = ...: every later value is converted to T.
                $type = [Scan]::ResolveType($a.Left.Type.TypeName, $a.Left, '')
                if ($type -is [type]) {
                    $key = [Scan]::VariableKey($scope, $a.Left.Child.VariablePath.UserPath)
                    $seen[$key] = @{ declared = $true }
                    [Scan]::VariableTypes[$key] = $type
                    [void][Scan]::ExactVariables.Remove($key)
                }
                continue
            } elseif ($a.Left -is [VariableExpressionAst]) {
                $variable = $a.Left
                if ($a.Operator -eq 'Equals') { $type = [Scan]::StatementType($a.Right); $exact = [Scan]::IsExactStatement($a.Right) }
            } else { continue }
            if ($variable.VariablePath.DriveName) { continue }
            $key = [Scan]::VariableKey($scope, $variable.VariablePath.UserPath)
            if ($type -isnot [type]) { $type = [Scan]::Unknown }
            if (-not $seen.ContainsKey($key)) { $seen[$key] = @{ declared = $false; type = $type; exact = $exact } }
            $entry = $seen[$key]
            if ($entry.declared) { continue }
            if ($type -isnot [type] -or $entry.type -isnot [type] -or $entry.type.FullName -ne $type.FullName) { $entry.type = [Scan]::Unknown }
            $entry.exact = $entry.exact -and $exact
            [Scan]::VariableTypes[$key] = $entry.type
            if ($entry.exact -and $entry.type -is [type]) { [void][Scan]::ExactVariables.Add($key) } else { [void][Scan]::ExactVariables.Remove($key) }
        }
    }

    # The keys of hashtable literals assigned to a splatted variable in this file, and keys added as
    # $name.Key = ... or $name['Key'] = ...; $null when there is no literal to read.
    static [string[]] SplattedParameters([VariableExpressionAst]$Splat) {
        $name = $Splat.VariablePath.UserPath
        $keys = [List[string]]::new()
        $found = $false
        foreach ($a in [Scan]::Nodes) {
            if ($a -isnot [AssignmentStatementAst]) { continue }
            $left = $a.Left
            if ($left -is [VariableExpressionAst] -and $left.VariablePath.UserPath -eq $name) {
                $right = $a.Right
                if ($right -is [CommandExpressionAst]) { $right = $right.Expression }
                if ($right -is [HashtableAst]) {
                    $found = $true
                    foreach ($pair in $right.KeyValuePairs) { if ($pair.Item1 -is [StringConstantExpressionAst]) { $keys.Add($pair.Item1.Value) } }
                }
            } elseif ($left -is [MemberExpressionAst] -and $left.Expression -is [VariableExpressionAst] -and $left.Expression.VariablePath.UserPath -eq $name -and $left.Member -is [StringConstantExpressionAst]) {
                $keys.Add($left.Member.Value)
            } elseif ($left -is [IndexExpressionAst] -and $left.Target -is [VariableExpressionAst] -and $left.Target.VariablePath.UserPath -eq $name -and $left.Index -is [StringConstantExpressionAst]) {
                $keys.Add($left.Index.Value)
            }
        }
        if (-not $found) { return $null }
        return $keys.ToArray()
    }

    static [void] CheckCommand([CommandAst]$Command) {
        $name = $Command.GetCommandName()
        if (-not $name -or $Command.InvocationOperator -eq 'Dot') { return }
        if ($name.Contains('\')) { $name = $name.Substring($name.LastIndexOf('\') + 1) }   # Microsoft.PowerShell.Utility\Write-Host
        if ([Scan]::Aliases.ContainsKey($name)) { $name = [Scan]::Aliases[$name] }
        $listed = $null
        if (-not [Scan]::Cmdlets.TryGetValue($name, [ref]$listed)) {
            if ([Scan]::BuiltInNames.Contains($name)) {
                [Scan]::AddProblem($Command, "$name is a cmdlet of Windows PowerShell 5.1 whose parameters are not in $([Scan]::ListName): add them from its 5.1 page")
            } elseif (-not [Scan]::ScriptFunctions.Contains($name) -and [Scan]::PwshCommands.ContainsKey($name)) {
                [Scan]::AddProblem($Command, "$name ($([Scan]::PwshCommands[$name])) is not in $([Scan]::ListName): add it from its Windows PowerShell 5.1 page, if 5.1 has it")
            }
            return
        }
        [Scan]::Counts.commands++
        $used = [List[string]]::new()
        foreach ($element in $Command.CommandElements) {
            if ($element -is [CommandParameterAst]) { $used.Add($element.ParameterName) }
            if ($element -is [VariableExpressionAst] -and $element.Splatted) {
                $keys = [Scan]::SplattedParameters($element)
                if ($null -ne $keys) { $used.AddRange($keys) }
            }
        }
        foreach ($parameter in $used) {
            [Scan]::Counts.parameters++
            if ($listed.parameters -notcontains $parameter -and $listed.aliases -notcontains $parameter -and -not [Scan]::CommonParameters.Contains($parameter)) {
                [Scan]::AddProblem($Command, "$name -$parameter is not a parameter of $name in Windows PowerShell 5.1")
            }
        }
    }

    static [void] CheckNode([Ast]$Node) {
        if ($Node -is [TypeExpressionAst] -or $Node -is [TypeConstraintAst]) {
            if ($Node.TypeName.Name -eq 'ordered' -and $Node.Parent -is [ConvertExpressionAst] -and $Node.Parent.Child -is [HashtableAst]) { return }
            [void][Scan]::ResolveType($Node.TypeName, $Node, '')
        } elseif ($Node -is [AttributeAst]) {
            $attribute = [Scan]::ResolveType($Node.TypeName, $Node, 'Attribute')
            if ($attribute -is [type]) {
                foreach ($argument in $Node.NamedArguments) { [void][Scan]::CheckMember($attribute, $argument.ArgumentName, $false, 0, $false, $true, $argument) }
            }
        } elseif ($Node -is [MemberExpressionAst]) {
            [void][Scan]::MemberType($Node)
        } elseif ($Node -is [CommandAst]) {
            if ($Node.GetCommandName() -eq 'New-Object') { [void][Scan]::NewObjectType($Node) }
            [Scan]::CheckCommand($Node)
        }
    }

    # What a session command leaves in the session's scope: its own variables, by name.
    static [void] KeepSessionVariables() {
        $prefix = [string][Scan]::FileAst.Extent.StartOffset + ':'
        foreach ($key in @([Scan]::VariableTypes.Keys)) {
            if (-not $key.StartsWith($prefix) -or [Scan]::VariableTypes[$key] -isnot [type]) { continue }
            $name = $key.Substring($prefix.Length)
            [Scan]::SessionTypes[$name] = [Scan]::VariableTypes[$key]
            if ([Scan]::ExactVariables.Contains($key)) { [void][Scan]::SessionExact.Add($name) }
        }
    }

    static [void] CheckAll() {
        foreach ($node in [Scan]::Nodes) { [Scan]::CheckNode($node) }
    }

    static [void] Begin([string]$File, [Ast]$FileAst, [Ast[]]$Nodes) {
        [Scan]::File = $File
        [Scan]::FileAst = $FileAst
        [Scan]::Nodes = $Nodes
        $using = [List[string]]::new()
        foreach ($statement in $FileAst.UsingStatements) { if ($statement.UsingStatementKind -eq 'Namespace') { $using.Add($statement.Name.Value) } }
        [Scan]::Namespaces = $using.ToArray()
    }

    static [void] Reset() {
        [Scan]::MemberTypes = [Dictionary[Ast, object]]::new()
        [Scan]::NewObjectTypes = [Dictionary[Ast, object]]::new()
        [Scan]::Problems = [List[string]]::new()
        [Scan]::Reported = [HashSet[string]]::new()
        [Scan]::Counts = [ordered]@{ types = 0; members = 0; commands = 0; parameters = 0 }
    }
}

$fiveOne = Get-Content -Raw -LiteralPath $Reference | ConvertFrom-Json
$netFramework = Join-Path $Packages 'microsoft.netframework.referenceassemblies.net48/1.0.3/build/.NETFramework/v4.8'
$powerShellStandard = Join-Path $Packages 'powershellstandard.library/5.1.1/lib/net452/System.Management.Automation.dll'
$metadataLoadContext = Join-Path $Packages 'system.reflection.metadataloadcontext/10.0.12/lib/net10.0/System.Reflection.MetadataLoadContext.dll'
foreach ($required in @($netFramework, $powerShellStandard, $metadataLoadContext)) {
    if (-not (Test-Path -LiteralPath $required)) { throw "Missing ${required}: run bash scripts/setup, which downloads the reference assemblies." }
}

# Metadata only: the 4.8 assemblies are read, never loaded into this .NET 10 process.
Add-Type -LiteralPath $metadataLoadContext
# System.EnterpriseServices.Thunk and .Wrapper are native images, not assemblies.
$assemblyPaths = @(Get-ChildItem -LiteralPath $netFramework, (Join-Path $netFramework 'Facades') -Filter *.dll |
        Where-Object { $_.Name -notlike 'System.EnterpriseServices.*.dll' } | ForEach-Object { $_.FullName }) + $powerShellStandard
$context = [System.Reflection.MetadataLoadContext]::new([System.Reflection.PathAssemblyResolver]::new([string[]]$assemblyPaths), 'mscorlib')
foreach ($path in $assemblyPaths) {
    foreach ($type in $context.LoadFromAssemblyPath($path).GetExportedTypes()) { [Scan]::Types[$type.FullName] = $type }
}
[Scan]::ObjectType = [Scan]::RefType('System.Object')
[Scan]::StringType = [Scan]::RefType('System.String')
[Scan]::DictionaryType = [Scan]::RefType('System.Collections.IDictionary')
# Objects whose members are not in their type's metadata: PowerShell's own wrappers, and the adapters
# for XML, ADSI, WMI and data rows.
[Scan]::DynamicTypes = @('System.Management.Automation.PSObject', 'System.Management.Automation.PSCustomObject', 'System.Xml.XmlNode',
    'System.DirectoryServices.DirectoryEntry', 'System.Management.ManagementBaseObject', 'System.Data.DataRow') | ForEach-Object { [Scan]::RefType($_) }

foreach ($accelerator in $fiveOne.typeAccelerators.accelerators) { [Scan]::Accelerators[$accelerator.name] = $accelerator.type }
foreach ($cmdlet in $fiveOne.cmdlets.PSObject.Properties) { [Scan]::Cmdlets[$cmdlet.Name] = $cmdlet.Value }
foreach ($module in $fiveOne.builtInCmdlets.modules.PSObject.Properties) { foreach ($name in $module.Value) { [void][Scan]::BuiltInNames.Add($name) } }
foreach ($name in $fiveOne.commonParameters.names) { [void][Scan]::CommonParameters.Add($name) }
[Scan]::ListName = Split-Path -Leaf $Reference
# pwsh 7's own commands and aliases, read once (Get-Command searches every module for a name it does not
# know, such as an Exchange cmdlet).
foreach ($alias in Get-Alias) { [Scan]::Aliases[$alias.Name] = $alias.Definition }
foreach ($command in Get-Command -Module Microsoft.PowerShell.* -CommandType Cmdlet, Function) { [Scan]::PwshCommands[$command.Name] = $command.ModuleName }

$parsed = foreach ($file in $Files) {
    $tokens = $null; $errors = $null
    $ast = [Parser]::ParseFile($file, [ref]$tokens, [ref]$errors)
    [pscustomobject]@{ file = $file; ast = $ast; nodes = $ast.FindAll({ $true }, $true) }
}
# Classes and functions the files define, across all of them (the simulator is split over several files).
foreach ($p in $parsed) {
    foreach ($node in $p.nodes) {
        if ($node -is [TypeDefinitionAst]) { [void][Scan]::ScriptTypes.Add($node.Name) }
        elseif ($node -is [FunctionDefinitionAst]) { [void][Scan]::ScriptFunctions.Add($node.Name) }
    }
}

$index = 0
$report = foreach ($p in $parsed) {
    [Scan]::Begin($p.file, $p.ast, $p.nodes)
    [Scan]::Reset()
    [Scan]::ReadVariables()
    # Reading the variables checked some members already, with what was known by then: check afresh.
    [Scan]::Reset()
    [Scan]::CheckAll()
    if ($index -lt $SessionCommands) { [Scan]::KeepSessionVariables() }
    $index++
    [pscustomobject]@{ file = $p.file; problems = [Scan]::Problems.ToArray(); counts = [pscustomobject][Scan]::Counts }
}
ConvertTo-Json -InputObject @($report) -Depth 4 -Compress
