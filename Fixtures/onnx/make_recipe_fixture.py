"""Runs the Python of the README's recipe "Check your model against Captum or PAIR" with its
output folder set to Fixtures/onnx/recipe/, so the test suite can run the recipe's `verify`
line on what the recipe writes (model.onnx, x.npy, targets.npy, captum-ig.npy).

    python3 Fixtures/onnx/make_recipe_fixture.py     # needs: pip install numpy torch onnx captum

The Python is read from the README itself (the heredoc after `python3 - "$chk" <<'EOF'` in that
section), so the committed files are what the recipe, as written, produces.
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(HERE, "..", "..", "README.md")


def recipe_python():
    text = open(README, encoding="utf-8").read()
    section = text.split("## Check your model against Captum or PAIR", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"python3 - \"\$chk\" <<'EOF'\n(.*?)\nEOF\n", section, re.S)
    if not match:
        sys.exit("the README's recipe has no python3 heredoc")
    return match.group(1)


def main():
    folder = os.path.join(HERE, "recipe")
    os.makedirs(folder, exist_ok=True)
    subprocess.run([sys.executable, "-", folder], input=recipe_python(), text=True, check=True)
    print("wrote the recipe's files in", folder)


if __name__ == "__main__":
    main()
