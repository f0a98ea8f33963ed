/**
 * Stable problem codes. Tools and tests match on these, never on messages: adding a code is
 * fine, renaming one is a breaking change.
 */
export const Codes = {
  /** The file could not be read (missing, unreadable, not UTF-8). */
  IoRead: 'TOSCA-IO-READ',
  /** The YAML syntax is broken. */
  YamlSyntax: 'TOSCA-YAML-SYNTAX',
  /** The same key appears twice in one YAML map. */
  YamlDuplicateKey: 'TOSCA-YAML-DUPLICATE-KEY',
  /** The document is too large or too deeply nested to process safely. */
  YamlTooLarge: 'TOSCA-YAML-TOO-LARGE',
  /** `tosca_definitions_version` is missing, unknown, or not the first key. */
  Version: 'TOSCA-DEFINITIONS-VERSION',
  /** A key is not part of the grammar here. */
  KeyUnknown: 'TOSCA-KEY-UNKNOWN',
  /** A mandatory key is missing. */
  KeyMissing: 'TOSCA-KEY-MISSING',
  /** A value has the wrong YAML shape (map/list/string/number expected). */
  Shape: 'TOSCA-SHAPE',
  /** A name is defined twice in one namespace. */
  Duplicate: 'TOSCA-NAME-DUPLICATE',
  /** An import could not be found or loaded. */
  ImportMissing: 'TOSCA-IMPORT-MISSING',
  /** An import definition is malformed. */
  ImportInvalid: 'TOSCA-IMPORT-INVALID',
  /** A profile name is unknown or ambiguous in the catalog. */
  ProfileUnknown: 'TOSCA-PROFILE-UNKNOWN',
  /** A profile file also defines a service template. */
  ProfileTemplate: 'TOSCA-PROFILE-TEMPLATE',
  /** A referenced type does not exist. */
  TypeUnknown: 'TOSCA-TYPE-UNKNOWN',
  /** A type refers to a type of another kind (a node type where a capability type belongs). */
  TypeKind: 'TOSCA-TYPE-KIND',
  /** A type derives from itself, directly or through others. */
  TypeCycle: 'TOSCA-TYPE-CYCLE',
  /** A refinement widens what the parent type allows. */
  Refinement: 'TOSCA-TYPE-REFINEMENT',
  /** A value does not match its declared type. */
  ValueType: 'TOSCA-VALUE-TYPE',
  /** A value breaks a validation clause or schema. */
  ValueInvalid: 'TOSCA-VALUE-INVALID',
  /** A mandatory property / input has no value. */
  ValueRequired: 'TOSCA-VALUE-REQUIRED',
  /** A property, attribute, capability, requirement, interface, input or operation that is not declared. */
  NameUndeclared: 'TOSCA-NAME-UNDECLARED',
  /** A template refers to a template that does not exist. */
  TemplateUnknown: 'TOSCA-TEMPLATE-UNKNOWN',
  /** A function call is malformed or has the wrong number of arguments. */
  Function: 'TOSCA-FUNCTION',
  /** A function name is neither built-in nor defined. */
  FunctionUnknown: 'TOSCA-FUNCTION-UNKNOWN',
  /** A scalar type definition breaks the rules for units and prefixes. */
  Scalar: 'TOSCA-SCALAR',
  /** A requirement's occurrences or count are out of range. */
  RequirementCount: 'TOSCA-REQUIREMENT-COUNT',
  /** A requirement's target node template lacks the node type or capability the requirement needs. */
  RequirementTarget: 'TOSCA-REQUIREMENT-TARGET',
  /** A CSAR archive is malformed. */
  Csar: 'TOSCA-CSAR',
  /** A workflow is malformed. */
  Workflow: 'TOSCA-WORKFLOW',
  /** A structural problem found while compiling the model (used by tosca/compile). */
  Structure: 'TOSCA-STRUCTURE',
  /** A limit on the work one template may cause was reached (size, count, depth): see docs/tosca.md. */
  Limit: 'TOSCA-LIMIT',
  /** An import, artifact or CSAR entry points outside the template's root (or is a refused `file:`/absolute path). */
  Confined: 'TOSCA-CONFINED',
  /** A substitution mapping is malformed. */
  Substitution: 'TOSCA-SUBSTITUTION',
} as const;

export type ProblemCode = (typeof Codes)[keyof typeof Codes];
