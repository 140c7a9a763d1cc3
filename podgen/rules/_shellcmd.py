"""Which programs a command line runs: command names of exec-form argv lists and shell scripts.

A rule that asks "does this service run ping?" must look where a command name
stands, not for a word anywhere: ``redis-cli ping``, ``curl http://x/ping``
and ``db.adminCommand('ping')`` run no ping.  This is a small tokenizer of
POSIX shell (quotes, backslashes, ``;`` ``&`` ``|`` ``&&`` ``||``, newlines,
``( )``, ``$( )``, backticks, redirections, comments), not a full parser: it
yields each simple command's words, and :func:`command_names` picks the
program of each, past reserved words (``while``, ``do``, ``!``, ...),
assignments and wrappers that run their arguments (``exec``, ``sudo``,
``timeout 5``, ``nice -n 5``, ``env``, ...), recursing into ``sh -c SCRIPT``.
"""
from __future__ import annotations

import re

# reserved words after which a command name stands
_LEADING = frozenset(("!", "if", "then", "else", "elif", "do", "while", "until", "{", "time"))
# reserved words that start a command whose next words are not a command (for x in a b; case x in)
_NOT_A_COMMAND = frozenset(("for", "case", "select", "in", "function", "}", "done", "fi", "esac"))
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
SHELLS = frozenset(("sh", "bash", "ash", "dash", "zsh", "ksh", "mksh"))
# wrapper -> its options that take an argument; how many operands come before the command
_WRAPPERS = {
    "exec": ("a", 0), "command": ("", 0), "builtin": ("", 0), "nohup": ("", 0), "setsid": ("", 0),
    "time": ("fo", 0), "busybox": ("", 0), "tini": ("sepl", 0), "dumb-init": ("r", 0),
    "sudo": ("ugCDhprtUT", 0), "doas": ("uC", 0), "nice": ("n", 0), "ionice": ("cnpPu", 0),
    "stdbuf": ("ioe", 0), "env": ("uCS", 0), "timeout": ("sk", 1), "watch": ("nd", 0),
    "su-exec": ("", 1), "gosu": ("", 1), "chpst": ("ugUe", 0), "xargs": ("ndIaELPs", 0),
}


def shell_commands(script: str, depth: int = 0):
    """The simple commands of *script*, each a list of its words (quotes removed), nested ones too."""
    return _Scanner(script, depth).run()


class _Scanner:
    """One pass over a script: the words of the command being read, and the commands a ``$(``,
    a backtick or a ``(`` interrupted (``stack``)."""

    def __init__(self, script: str, depth: int):
        self.script = script
        self.depth = depth
        self.out: list = []
        self.stack: list = []           # (words, word, kind) of the commands a $(, ` or ( interrupted
        self.words: list = []
        self.word: list | None = None   # characters of the word being read, None between words
        self.redirect = False           # the next word is a redirection target, not an argument
        self.backticks = 0

    def end_word(self):
        if self.word is not None:
            if not self.redirect:
                self.words.append("".join(self.word))
            self.redirect = False
            self.word = None

    def end_command(self):
        self.end_word()
        if self.words:
            self.out.append(self.words)
        self.words = []

    def open_nested(self, kind):
        self.stack.append((self.words, self.word, kind))
        self.words, self.word = [], None

    def close_nested(self):
        self.end_command()
        self.words, self.word, kind = self.stack.pop()
        if kind == "$":
            self.word = self.word if self.word is not None else []
            self.word.append("$")                  # what $(...) or `...` stood in for

    def chars(self) -> list:
        """The word being read (started if need be)."""
        if self.word is None:
            self.word = []
        return self.word

    def run(self) -> list:
        script = self.script
        i, n = 0, len(script)
        while i < n:
            c = script[i]
            if c == "\\":
                if i + 1 < n and script[i + 1] != "\n":
                    self.chars().append(script[i + 1])
                i += 2
            elif c == "'":
                j = script.find("'", i + 1)
                j = n if j < 0 else j
                self.chars().append(script[i + 1:j])
                i = j + 1
            elif c == '"':
                i = self.double_quoted(i + 1)
            elif c == "#" and self.word is None:
                j = script.find("\n", i)
                i = n if j < 0 else j
            elif script.startswith("$(", i):
                self.open_nested("$")           # the word it is part of (x=$(...)) goes on after it
                i += 2
            elif c == "`":
                if self.backticks and self.stack:
                    self.backticks -= 1
                    self.close_nested()
                else:
                    self.backticks += 1
                    self.open_nested("$")
                i += 1
            else:
                i = self.other(c, i) + 1
        while self.stack:
            self.close_nested()
        self.end_command()
        return self.out

    def double_quoted(self, i: int) -> int:
        """Read a double-quoted part from *i* (after the quote); return the index after its end."""
        script, n = self.script, len(self.script)
        word = self.chars()
        while i < n and script[i] != '"':
            if script[i] == "\\" and i + 1 < n:
                word.append(script[i + 1])
                i += 2
                continue
            if script.startswith("$(", i) or script[i] == "`":
                # a command inside double quotes: read it as its own command, keep this word
                close = _matching(script, i)
                self.out.extend(shell_commands(script[i + (2 if script[i] == "$" else 1):close], self.depth + 1)
                                if self.depth < 8 else ())
                word.append("$")
                i = close + 1
                continue
            word.append(script[i])
            i += 1
        return i + 1

    def other(self, c: str, i: int) -> int:
        """Blanks, operators, parentheses, redirections and plain characters; the index read last."""
        script, n = self.script, len(self.script)
        if c in " \t":
            self.end_word()
        elif c in ";&|\n":
            self.end_command()
        elif c == "(":
            if self.word is None and all(w in _LEADING for w in self.words):
                self.open_nested("(")       # a subshell: (cmd)
            else:
                self.chars().append(c)
        elif c == ")":
            if self.stack:
                self.close_nested()
            else:
                self.end_command()          # a case pattern, or an unbalanced parenthesis
        elif c in "<>":
            if self.word is not None and "".join(self.word).isdigit():
                self.word = None            # the fd of 2>&1
            self.end_word()
            while i + 1 < n and script[i + 1] in "<>&|-":
                i += 1
            self.redirect = True
        else:
            self.chars().append(c)
        return i


def _matching(script: str, i: int) -> int:
    """Index of what closes the $( or ` at *i* (the end of the script when nothing does)."""
    if script[i] == "`":
        j = script.find("`", i + 1)
        return len(script) if j < 0 else j
    level, j = 0, i + 1
    while j < len(script):
        if script[j] == "(":
            level += 1
        elif script[j] == ")":
            level -= 1
            if level == 0:
                return j
        elif script[j] == "\\":
            j += 1
        j += 1
    return len(script)


def command_names(words, depth: int = 0):
    """The programs one command (a list of words) runs: its name, and those of a ``sh -c`` script."""
    words = list(words)
    k = 0
    while k < len(words) and (words[k] in _LEADING or _ASSIGNMENT.match(words[k])):
        k += 1
    if k >= len(words) or words[k] in _NOT_A_COMMAND:
        return
    while k < len(words):
        name = words[k].rsplit("/", 1)[-1]
        wrapper = _WRAPPERS.get(name)
        if wrapper is None:
            break
        with_arg, operands = wrapper
        k += 1
        while k < len(words):
            w = words[k]
            if w == "--":
                k += 1
                break
            if name == "env" and _ASSIGNMENT.match(w):
                k += 1
            elif name == "nice" and re.fullmatch(r"-\d+", w):
                k += 1
            elif w.startswith("-") and len(w) > 1:
                k += 1
                if not w.startswith("--") and w[-1] in with_arg and len(w) == 2:
                    k += 1             # -u root: the option's argument
            else:
                break
        k += operands                  # timeout DURATION, gosu USER
    if k >= len(words):
        return
    name = words[k].rsplit("/", 1)[-1]
    yield name
    if name in SHELLS and depth < 8:
        script = _dash_c_script(words[k + 1:])
        if script is not None:
            for command in shell_commands(script, depth + 1):
                yield from command_names(command, depth + 1)


def _dash_c_script(args):
    """The SCRIPT of ``sh [options] -c SCRIPT``, or None."""
    has_c = False
    for w in args:
        if w.startswith("-") and not w.startswith("--") and len(w) > 1:
            has_c = has_c or "c" in w[1:]
            continue
        if w.startswith("--"):
            continue
        return w if has_c else None
    return None


def runs(argv=None, script=None):
    """Every program name *argv* (exec form) or *script* (shell form) runs."""
    if argv is not None:
        yield from command_names(argv)
    if script is not None:
        for command in shell_commands(script):
            yield from command_names(command)
