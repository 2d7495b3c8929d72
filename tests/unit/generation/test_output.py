"""What a model may answer: every path and content rule, every problem reported at once."""

from __future__ import annotations

import json

import pytest

from forge.generation.output import MAX_FILE_BYTES, MAX_FILES, RejectedOutput, validate_files


def answer(*files: tuple[str, str]) -> str:
    return json.dumps({"files": [{"path": p, "content": c} for p, c in files]})


def rejected(text: object, **kwargs: tuple[str, ...]) -> list[str]:
    with pytest.raises(RejectedOutput) as caught:
        validate_files(text, **kwargs)  # type: ignore[arg-type]
    return caught.value.problems


def test_a_good_answer_becomes_a_sorted_tree() -> None:
    tree = validate_files(answer(("readme.txt", "hi\r\n"), ("includes/a.php", "<?php\n")), required=("readme.txt",))
    assert tree == {"includes/a.php": b"<?php\n", "readme.txt": b"hi\n"}
    assert list(tree) == sorted(tree)


def test_tool_input_objects_and_fenced_json_are_read() -> None:
    assert validate_files({"files": [{"path": "a.php", "content": "<?php"}]}) == {"a.php": b"<?php"}
    assert validate_files("```json\n" + answer(("a.php", "<?php")) + "\n```") == {"a.php": b"<?php"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("../evil.php", "'..' is not allowed"),
        ("includes/../../evil.php", "'..' is not allowed"),
        ("/etc/passwd.txt", "absolute"),
        ("C:/x.php", "absolute"),
        (".htaccess.txt", "hidden"),
        ("includes/.hidden/a.php", "hidden"),
        ("includes\\a.php", "only letters"),
        ("a b.php", "only letters"),
        ("-rf.php", "only letters"),
        ("logo.png", "file type not allowed"),
        ("tool.phar", "file type not allowed"),
        ("run.sh", "file type not allowed"),
        ("/".join(["d"] * 9) + "/a.php", "nested deeper"),
        ("a" * 201 + ".php", "longer than"),
        ("", "non-empty"),
    ],
)
def test_unsafe_paths_are_refused(path: str, expected: str) -> None:
    problems = rejected(answer((path, "x"), ("ok.php", "<?php")))
    assert len(problems) == 1, problems
    assert expected in problems[0], problems


def test_binary_oversized_duplicate_and_reserved_files_are_refused() -> None:
    problems = rejected(
        answer(
            ("bin.php", "<?php\x00\x01"),
            ("big.php", "x" * (MAX_FILE_BYTES + 1)),
            ("a.php", "<?php"),
            ("a.php", "<?php"),
            ("tests/stubs.php", "<?php"),
        ),
        reserved=("tests/stubs.php",),
        required=("main.php",),
    )
    assert any("bin.php: binary" in p for p in problems)
    assert any(p.startswith("big.php:") and "limit" in p for p in problems)
    assert any("'a.php': appears twice" in p for p in problems)
    assert any("'tests/stubs.php': written by the forge" in p for p in problems)
    assert "missing required file 'main.php'" in problems
    assert len(problems) == 5


def test_shape_errors() -> None:
    assert "not JSON" in rejected("Sure! Here is your plugin:")[0]
    assert "answer must be an object" in rejected(json.dumps([{"path": "a.php"}]))[0]
    assert rejected(json.dumps({"files": []})) == ["no files"]
    assert "exactly 'path' and 'content'" in rejected(json.dumps({"files": [{"path": "a.php"}]}))[0]
    assert "content must be a string" in rejected(json.dumps({"files": [{"path": "a.php", "content": 1}]}))[0]
    too_many = answer(*((f"f{i}.php", "<?php") for i in range(MAX_FILES + 1)))
    assert any("files (limit" in p for p in rejected(too_many))


def test_the_error_message_names_the_problems() -> None:
    with pytest.raises(RejectedOutput, match=r"model output rejected: path '\.\./x\.php'"):
        validate_files(answer(("../x.php", "")))
