"""``whodidthis completion bash|zsh|fish``: a completion script made from the parsers.

The scripts are generated from every command's own parser, so they offer exactly the
commands and options ``--help`` lists (the hidden ``engine`` is left out), the values of each
option with choices (``-o table|json|yaml``), and file names where a course goes.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from console.commands.options import Options, new_parser
from console.errors import EXIT_OK

SHELLS = ("bash", "zsh", "fish")
EXAMPLES = """examples:
  eval "$(whodidthis completion bash)"                 in ~/.bashrc
  eval "$(whodidthis completion zsh)"                  in ~/.zshrc
  whodidthis completion fish > ~/.config/fish/completions/whodidthis.fish"""


@dataclass(frozen=True, kw_only=True)
class CompletionOptions(Options):
    shell: str = "bash"


def add_parser(sub, name: str, summary: str | None):
    p = new_parser(sub, name, summary, epilog=EXAMPLES)
    p.add_argument("shell", choices=SHELLS, help="the shell the script is for")
    p.set_defaults(handler=cli_completion, options=CompletionOptions)
    return p


@dataclass(frozen=True)
class Spec:
    """What completes after one command: its options, their choices, its positionals'."""

    name: str
    summary: str
    options: list[
        tuple[list[str], str, tuple[str, ...] | None, bool]
    ]  # flags, help, choices, value
    positional_choices: tuple[str, ...]


def specs() -> list[Spec]:
    """Every listed command's completion facts, read from its own parser."""
    from console.commands.registry import COMMANDS, build_parser

    parser = build_parser()
    found = []
    for name, entry in COMMANDS.items():
        if entry.summary is None:
            continue
        options, positional = [], ()
        for action in parser.commands[name].arguments:
            if action.dest == "help" or action.help == argparse.SUPPRESS:
                continue
            choices = tuple(action.choices) if action.choices else None
            if not action.option_strings:
                positional = choices or positional
                continue
            takes = action.nargs != 0
            options.append((list(action.option_strings), action.help or "", choices, takes))
        found.append(Spec(name, entry.summary, options, positional))
    return found


def bash_script(commands: list[Spec]) -> str:
    """A bash completion function for ``whodidthis`` (``complete -F``)."""
    words = " ".join(s.name for s in commands)
    lines = [
        '# whodidthis completion for bash: eval "$(whodidthis completion bash)"',
        "_whodidthis() {",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
        '    local cmd="${COMP_WORDS[1]}" opts="" values="" positional=""',
        "    if [[ $COMP_CWORD -eq 1 ]]; then",
        f'        COMPREPLY=($(compgen -W "{words} --help --version" -- "$cur")'
        ' $(compgen -f -- "$cur"))',
        "        return",
        "    fi",
        '    case "$cmd" in',
    ]
    for spec in commands:
        flags = " ".join(f for flags, *_ in spec.options for f in flags)
        lines.append(f"        {spec.name})")
        lines.append(f'            opts="{flags} --help"')
        if spec.positional_choices:
            lines.append(f'            positional="{" ".join(spec.positional_choices)}"')
        cases = [
            f'                {"|".join(flags)}) values="{" ".join(choices)}" ;;'
            for flags, _, choices, _ in spec.options
            if choices
        ]
        if cases:
            lines += ['            case "$prev" in', *cases, "            esac"]
        lines.append("            ;;")
    lines += [
        "    esac",
        '    if [[ -n "$values" ]]; then',
        '        COMPREPLY=($(compgen -W "$values" -- "$cur"))',
        '    elif [[ "$cur" == -* ]]; then',
        '        COMPREPLY=($(compgen -W "$opts" -- "$cur"))',
        '    elif [[ -n "$positional" ]]; then',
        '        COMPREPLY=($(compgen -W "$positional" -- "$cur"))',
        "    else",
        '        COMPREPLY=($(compgen -f -- "$cur"))',
        "    fi",
        "}",
        "complete -o filenames -F _whodidthis whodidthis",
    ]
    return "\n".join(lines) + "\n"


def zsh_script(commands: list[Spec]) -> str:
    """zsh runs the bash function through its own ``bashcompinit`` (as the AWS CLI does)."""
    return (
        "#compdef whodidthis\n"
        '# whodidthis completion for zsh: eval "$(whodidthis completion zsh)"\n'
        "autoload -U +X compinit && compinit\n"
        "autoload -U +X bashcompinit && bashcompinit\n" + bash_script(commands)
    )


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def fish_script(commands: list[Spec]) -> str:
    """``complete -c whodidthis`` lines: the commands, then each one's options."""
    lines = [
        "# whodidthis completion for fish: whodidthis completion fish | source",
        "complete -c whodidthis -f",
    ]
    for spec in commands:
        lines.append(
            f"complete -c whodidthis -n __fish_use_subcommand -a {spec.name} "
            f"-d {_fish_quote(spec.summary)}"
        )
    for spec in commands:
        seen = f"-n '__fish_seen_subcommand_from {spec.name}'"
        if spec.positional_choices:
            lines.append(
                f"complete -c whodidthis {seen} -a {_fish_quote(' '.join(spec.positional_choices))}"
            )
        else:
            lines.append(f"complete -c whodidthis {seen} -F")
        for flags, text, choices, takes in spec.options:
            names = " ".join(f"-l {f[2:]}" if f.startswith("--") else f"-s {f[1:]}" for f in flags)
            value = (
                f" -x -a {_fish_quote(' '.join(choices))}" if choices else (" -r" if takes else "")
            )
            lines.append(f"complete -c whodidthis {seen} {names}{value} -d {_fish_quote(text)}")
    return "\n".join(lines) + "\n"


def cli_completion(options: CompletionOptions) -> int:
    make = {"bash": bash_script, "zsh": zsh_script, "fish": fish_script}[options.shell]
    print(make(specs()), end="")
    return EXIT_OK
