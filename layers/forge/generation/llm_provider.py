"""An LLM behind the Provider interface: ask, audit, then validate before anything is trusted."""

from __future__ import annotations

from forge.cms import get_platform
from forge.errors import ForgeError, TransientError
from forge.generation import AuditSink, Feedback, Generation, RunnerFactory
from forge.generation.lint import php_lint
from forge.generation.model import ChatModel, ModelCallFailed
from forge.generation.output import RejectedOutput, validate_files
from forge.generation.prompts import build_prompt
from forge.generation.template_provider import tree_listing
from forge.models.spec import PluginSpec

# Written by the forge, not the model: the WordPress/WooCommerce stand-ins the tests and sandbox share.
FORGE_OWNED = ("tests/stubs.php",)


class LlmProvider:
    repairs = True

    def __init__(self, name: str, model: ChatModel, audit: AuditSink, runner: RunnerFactory, lint: bool = True) -> None:
        self.name = name
        self.model = model
        self.audit = audit
        self.runner = runner
        # False where Generate has neither php nor isolation (the AWS Lambda, FORGE_GENERATION_LINT=build): Build lints
        # every PHP file in its isolated task, and a failed Build goes back to Generate through the repair loop.
        self.lint = lint

    def generate(self, spec: PluginSpec, feedback: Feedback | None = None) -> Generation:
        platform = get_platform(spec.platform)
        prompt = build_prompt(spec, feedback)
        meta = {"provider": self.name, "spec_digest": spec.digest(), "attempt": feedback.attempt if feedback else 0}
        try:
            answer = self.model.complete(prompt)
        except ModelCallFailed as exc:
            self.audit(exc.model_version, prompt.audit_text(), f"error: {exc}", {**meta, "error": str(exc)[:2000]})
            raise (TransientError if exc.transient else ForgeError)(str(exc)) from None
        # Recorded before validation: a rejected answer is evidence too.
        self.audit(answer.model_version, prompt.audit_text(), answer.raw, {**meta, **answer.metadata})

        tree = validate_files(answer.content, required=(platform.main_file(spec), "readme.txt"), reserved=FORGE_OWNED)
        rendered = platform.render(spec)
        tree.update({path: rendered[path] for path in FORGE_OWNED if path in rendered})
        problems = php_lint(tree, self.runner) if self.lint else []
        if problems:
            raise RejectedOutput(problems)
        tree = dict(sorted(tree.items()))
        return Generation(
            tree=tree,
            provider=self.name,
            model_version=answer.model_version,
            prompt=prompt.audit_text(),
            response=tree_listing(tree),
        )
