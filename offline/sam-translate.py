"""Prints template.yaml (or, given "-", the template on stdin) as CloudFormation receives it after
the SAM transform (JSON on stdout).

Run with the project's .venv (aws-sam-translator is pinned there): the contract tests read the
roles, names and policies SAM generates, which template.yaml alone does not show. Code and
definition locations are replaced as `sam validate` does; nothing is uploaded or deployed.
"""
import json
import os
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class NoManagedPolicies:
    """The template names managed policies by ARN only, so SAM needs no IAM lookup."""

    def load(self):
        return {}


def main():
    template_path, stack_name, parameters = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    if template_path == "-":
        template = yaml_parse(sys.stdin.read())
    else:
        with open(template_path) as f:
            template = yaml_parse(f.read())
    # Relative locations are relative to the template, or to the directory given after the
    # parameters (the one-template view the tests write stands in for template.yaml).
    base = sys.argv[4] if len(sys.argv) > 4 else os.path.dirname(os.path.abspath(template_path))
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            properties["CodeUri"] = "s3://bucket/code.zip"
        if resource["Type"] == "AWS::Serverless::StateMachine" and isinstance(properties.get("DefinitionUri"), str):
            with open(os.path.join(base, properties.pop("DefinitionUri"))) as f:
                properties["Definition"] = json.load(f)
    values = {
        "AWS::Region": "eu-west-1",
        "AWS::AccountId": "123456789012",
        "AWS::Partition": "aws",
        "AWS::StackName": stack_name,
        **parameters,
    }
    json.dump(transform(template, values, NoManagedPolicies()), sys.stdout, default=str)


if __name__ == "__main__":
    main()
