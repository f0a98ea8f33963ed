/**
 * A corpus of TOSCA 1.x service templates in the style of the Simple Profile's examples (Compute
 * with host capabilities, software on hosts, web stacks, databases, block storage, networks),
 * varied by size and values, for comparisons with OpenStack's tosca-parser.
 */
// tosca-parser 2.6 knows 1.0 and 1.2 (not 1.1 or 1.3), so the corpus uses those two.
const VERSIONS = ['tosca_simple_yaml_1_0', 'tosca_simple_yaml_1_2'];

function compute(name: string, i: number): string {
  return `    ${name}:
      type: tosca.nodes.Compute
      capabilities:
        host:
          properties:
            num_cpus: { get_input: cpus }
            mem_size: ${2 + (i % 6)} GB
            disk_size: ${10 + i} GB
        os:
          properties:
            architecture: x86_64
            type: linux
            distribution: ubuntu
            version: ${18 + (i % 5)}.04
`;
}

const SHAPES: ((i: number) => string)[] = [
  // A server and software hosted on it.
  (i) => `${compute('server', i)}    app:
      type: tosca.nodes.SoftwareComponent
      properties:
        component_version: "${1 + (i % 3)}.${i % 10}"
      requirements:
        - host: server
`,
  // Web stack: web server and application.
  (i) => `${compute('web_host', i)}    web_server:
      type: tosca.nodes.WebServer
      requirements:
        - host: web_host
    web_app:
      type: tosca.nodes.WebApplication
      properties:
        context_root: /app${i}
      requirements:
        - host: web_server
`,
  // Database on a DBMS on a server.
  (i) => `${compute('db_host', i)}    dbms:
      type: tosca.nodes.DBMS
      properties:
        root_password: { get_input: password }
        port: ${3306 + i}
      requirements:
        - host: db_host
    db:
      type: tosca.nodes.Database
      properties:
        name: db${i}
        user: admin
        password: { get_input: password }
      requirements:
        - host: dbms
`,
  // Two components on one server, one connecting to the other.
  (i) => `${compute('server', i)}    backend:
      type: tosca.nodes.SoftwareComponent
      properties:
        component_version: "2.${i % 7}"
      requirements:
        - host: server
    frontend:
      type: tosca.nodes.SoftwareComponent
      requirements:
        - host: server
        - dependency:
            node: backend
            relationship: tosca.relationships.DependsOn
`,
  // A network with a port bound to a server.
  (i) => `${compute('server', i)}    net:
      type: tosca.nodes.network.Network
      properties:
        network_name: net${i}
        cidr: 10.${i % 250}.0.0/24
        ip_version: 4
    port:
      type: tosca.nodes.network.Port
      properties:
        order: 0
      requirements:
        - binding: server
        - link: net
`,
];

/** Template number i (0-based): a shape, a version, and i extra software nodes for size. */
export function legacyTemplate(i: number): string {
  const version = VERSIONS[i % VERSIONS.length]!;
  const shape = SHAPES[i % SHAPES.length]!;
  const extra = Array.from({ length: i % 4 }, (_, k) => `    extra_${k}:
      type: tosca.nodes.SoftwareComponent
      properties:
        component_version: "0.${k}"
      requirements:
        - host: ${shape === SHAPES[1] ? 'web_host' : shape === SHAPES[2] ? 'db_host' : 'server'}
`).join('');
  return `tosca_definitions_version: ${version}
description: generated template ${i}
topology_template:
  inputs:
    cpus:
      type: integer
      default: ${1 + (i % 8)}
      constraints:
        - valid_values: [ 1, 2, 3, 4, 5, 6, 7, 8 ]
    password:
      type: string
      default: secret${i}
  node_templates:
${shape(i)}${extra}  outputs:
    cpus:
      value: { get_input: cpus }
    summary:
      value: { concat: [ "template ", "${i}", " with ", { get_input: cpus }, " cpus" ] }
`;
}
