/** Shell completion scripts generated from the command registry (pure: text in, text out). */
import type { CommandEntry } from './commands/index.js';

const GLOBALS = ['--agent', '--token', '--state', '--tls-cert', '--tls-key', '--tls-ca', '--log-format', '--help', '--version'];

function flagsOf(c: CommandEntry): string[] {
  return [...c.flags.map((f) => `--${f}`), '--help'];
}

export function bashCompletion(commands: readonly CommandEntry[]): string {
  const verbs = commands.map((c) => c.name).join(' ');
  const cases = commands
    .map((c) => {
      const words = [...(c.subcommands ?? []), ...flagsOf(c)].join(' ');
      const formats = (c.outputs ?? []).join(' ');
      return `    ${c.name}) words="${words}"; formats="${formats}" ;;`;
    })
    .join('\n');
  return `# bash completion for khutulun: source <(khutulun completion bash)
_khutulun() {
  local cur prev verb i words formats
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  verb=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      --agent|--token|--state|--tls-cert|--tls-key|--tls-ca|--log-format) ((i++)) ;;
      -*) ;;
      *) verb="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  if [[ -z "$verb" ]]; then
    if [[ "$prev" == --log-format ]]; then COMPREPLY=($(compgen -W "text json" -- "$cur")); return; fi
    if [[ "$prev" == --state || "$prev" == --tls-* ]]; then COMPREPLY=($(compgen -f -- "$cur")); return; fi
    COMPREPLY=($(compgen -W "${verbs} ${GLOBALS.join(' ')}" -- "$cur"))
    return
  fi
  words=""; formats=""
  case "$verb" in
${cases}
  esac
  if [[ "$prev" == -o || "$prev" == --output ]]; then COMPREPLY=($(compgen -W "$formats" -- "$cur")); return; fi
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$words" -- "$cur")); return; fi
  COMPREPLY=($(compgen -W "$(printf '%s\\n' $words | grep -v '^-')" -- "$cur") $(compgen -f -- "$cur"))
}
complete -F _khutulun khutulun
`;
}

export function zshCompletion(commands: readonly CommandEntry[]): string {
  const esc = (s: string): string => s.replace(/'/g, "'\\''").replace(/:/g, '\\:');
  const verbs = commands.map((c) => `    '${c.name}:${esc(c.summary)}'`).join('\n');
  const cases = commands
    .map((c) => {
      const opts = [...(c.subcommands ?? []), ...flagsOf(c)].join(' ');
      const formats = (c.outputs ?? []).join(' ');
      return `    (${c.name}) opts=(${opts}); fmts=(${formats}) ;;`;
    })
    .join('\n');
  return `#compdef khutulun
# zsh completion for khutulun: khutulun completion zsh > "\${fpath[1]}/_khutulun" (then compinit),
# or in ~/.zshrc: source <(khutulun completion zsh)
_khutulun() {
  local -a verbs opts fmts
  verbs=(
${verbs}
  )
  local verb="" w skip=0 i
  for ((i = 2; i < CURRENT; i++)); do
    w="\${words[i]}"
    if (( skip )); then skip=0; continue; fi
    case "$w" in
      --agent|--token|--state|--tls-cert|--tls-key|--tls-ca|--log-format) skip=1 ;;
      -*) ;;
      *) verb="$w"; break ;;
    esac
  done
  if [[ -z "$verb" ]]; then
    _describe 'verb' verbs
    compadd -- ${GLOBALS.join(' ')}
    return
  fi
  opts=(); fmts=()
  case "$verb" in
${cases}
  esac
  if [[ "\${words[CURRENT-1]}" == (-o|--output) ]]; then compadd -- $fmts; return; fi
  compadd -- $opts
  _files
}
if [[ "$zsh_eval_context[-1]" == loadautofunc ]]; then _khutulun "$@"; else compdef _khutulun khutulun; fi
`;
}
