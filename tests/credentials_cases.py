"""The credential cases the scan, the store guard and the log redactor share.

Every format below is a file as it is found on CI hosts, copied in shape from the public source
cited beside it, with ``@KEY@``, ``@SECRET@`` (and ``@TOKEN@``, ``@ENC@``, ``@B64KEY@``,
``@B64SECRET@``) where the values go. The values are made here, at import, of AWS's shape but
random (never AWS's documentation examples, which the scan ignores), from a seeded generator:
pytest-xdist needs every worker to collect the same parameters, and the repository itself holds
no key-shaped string, so it scans clean.

``whoami --scan`` must find each format (key id and secret), the guard must refuse and the
redactor remove every line of them that holds a credential, and none of them may let a
credential through in a harmless place.
"""

from __future__ import annotations

import base64
import random
import string
import urllib.parse
from dataclasses import dataclass

_random = random.Random(13)
BASE32 = string.ascii_uppercase + "234567"  # the alphabet of every key id AWS issues today
BASE64 = string.ascii_letters + string.digits + "/+"


def key_id(prefix: str = "AKIA", rng: random.Random = _random) -> str:
    """A random access key id with ``prefix`` (AKIA, ASIA, ABIA, ACCA, A3T?)."""
    return prefix + "".join(rng.choice(BASE32) for _ in range(20 - len(prefix)))


def secret(rng: random.Random = _random) -> str:
    """A random secret access key: 40 characters of base64's alphabet."""
    return "".join(rng.choice(BASE64) for _ in range(40))


def session_token() -> str:
    """An STS session token's shape: ``IQoJb3JpZ2luX2Vj`` ("!\\n\\torigin_ec") and base64."""
    return "IQoJb3JpZ2luX2VjE" + base64.b64encode(_random.randbytes(420)).decode()


def jenkins_encrypted() -> str:
    """What Jenkins writes for a ``Secret``: ``{`` base64 of version 1, IV, ciphertext ``}``."""
    payload = b"\x01\x00\x00\x00\x10\x00\x00\x00\x30" + _random.randbytes(64)
    return "{" + base64.b64encode(payload).decode() + "}"


@dataclass(frozen=True)
class Format:
    """A file format that can hold a stored key, and where it is documented."""

    name: str
    source: str  # the public page or repository the shape is taken from
    filename: str
    template: str
    prefix: str = "AKIA"
    named: bool = True  # the secret is under a name (so it is found without its key id too)

    def render(self, values: Values) -> str:
        text = self.template
        for marker, value in values.markers(self.prefix).items():
            text = text.replace(marker, value)
        return text

    def line_of(self, marker: str) -> int:
        """The 1-based line of the first ``marker`` in the template."""
        return self.template[: self.template.index(marker)].count("\n") + 1


@dataclass
class Values:
    """One set of credential values for the formats: one key id per prefix, one secret, ..."""

    keys: dict[str, str]
    secret: str
    token: str
    encrypted: str

    @classmethod
    def make(cls) -> Values:
        prefixes = {fmt.prefix for fmt in FORMATS}
        return cls(
            {p: key_id(p) for p in sorted(prefixes)}, secret(), session_token(), jenkins_encrypted()
        )

    def markers(self, prefix: str) -> dict[str, str]:
        key = self.keys[prefix]
        return {
            "@KEY@": key,
            "@SECRET@": self.secret,
            "@TOKEN@": self.token,
            "@ENC@": self.encrypted,
            "@B64KEY@": base64.b64encode(key.encode()).decode(),
            "@B64SECRET@": base64.b64encode(self.secret.encode()).decode(),
        }

    def secrets(self) -> list[str]:
        """The values that must never appear, not even in part, in any output."""
        return [self.secret, self.token, self.encrypted]


AWS_CLI_FILES = "https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html"
AWS_CLI_ENV = "https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html"
K8S_SECRET = "https://kubernetes.io/docs/concepts/configuration/secret/"
DOCKER_RUN = "https://docs.docker.com/reference/cli/docker/container/run/#env"
IAM_KEYS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"

# An s3cmd --configure file lists its options alphabetically: access_key at the top, secret_key
# forty lines below it (s3cmd's S3/Config.py, https://s3tools.org/kb/item14.htm).
_S3CFG_MIDDLE = "\n".join(
    f"{name} = {value}"
    for name, value in [
        ("access_token", ""),
        ("add_encoding_exts", ""),
        ("add_headers", ""),
        ("bucket_location", "US"),
        ("ca_certs_file", ""),
        ("cache_file", ""),
        ("check_ssl_certificate", "True"),
        ("check_ssl_hostname", "True"),
        ("cloudfront_host", "cloudfront.amazonaws.com"),
        ("default_mime_type", "binary/octet-stream"),
        ("delay_updates", "False"),
        ("delete_after", "False"),
        ("delete_after_fetch", "False"),
        ("delete_removed", "False"),
        ("dry_run", "False"),
        ("enable_multipart", "True"),
        ("encoding", "UTF-8"),
        ("encrypt", "False"),
        ("follow_symlinks", "False"),
        ("force", "False"),
        ("get_continue", "False"),
        ("gpg_command", "/usr/bin/gpg"),
        ("gpg_passphrase", ""),
        ("guess_mime_type", "True"),
        ("host_base", "s3.amazonaws.com"),
        ("host_bucket", "%(bucket)s.s3.amazonaws.com"),
        ("human_readable_sizes", "False"),
        ("list_md5", "False"),
        ("log_target_prefix", ""),
        ("multipart_chunk_size_mb", "15"),
        ("preserve_attrs", "True"),
        ("progress_meter", "True"),
        ("proxy_host", ""),
        ("proxy_port", "0"),
        ("recursive", "False"),
        ("recv_chunk", "65536"),
        ("reduced_redundancy", "False"),
    ]
)

FORMATS = [
    Format(
        "aws-cli-credentials",
        AWS_CLI_FILES,
        "credentials",
        "[default]\naws_access_key_id=@KEY@\naws_secret_access_key=@SECRET@\n\n"
        "[user1]\nregion=us-east-1\n",
    ),
    Format(
        "aws-cli-config-profile-with-keys",
        AWS_CLI_FILES,
        "config",
        "[default]\nregion = us-west-2\noutput = json\n\n[profile trainee]\nregion = us-east-1\n"
        "aws_access_key_id = @KEY@\naws_secret_access_key = @SECRET@\n",
    ),
    Format(
        "aws-cli-credentials-with-session-token",
        AWS_CLI_FILES,
        "credentials.bak",
        "[temp]\naws_access_key_id = @KEY@\naws_secret_access_key = @SECRET@\n"
        "aws_session_token = @TOKEN@\n",
        prefix="ASIA",
    ),
    Format(
        "shell-history-export",
        AWS_CLI_ENV,
        ".bash_history",
        "cd /var/lib/jenkins\nexport AWS_ACCESS_KEY_ID=@KEY@\nls -la\n"
        "export AWS_SECRET_ACCESS_KEY=@SECRET@\nexport AWS_DEFAULT_REGION=us-west-2\naws s3 ls\n",
    ),
    Format(
        "shell-history-aws-configure-set",
        AWS_CLI_FILES + " (aws configure set)",
        ".zsh_history",
        ": 1733000000:0;aws configure set aws_access_key_id @KEY@ --profile trainee\n"
        ": 1733000009:0;aws configure set aws_secret_access_key @SECRET@ --profile trainee\n",
    ),
    Format(
        "powershell-env",
        AWS_CLI_ENV + " (PowerShell)",
        "ConsoleHost_history.txt",
        '$Env:AWS_ACCESS_KEY_ID="@KEY@"\n$Env:AWS_SECRET_ACCESS_KEY="@SECRET@"\n'
        '$Env:AWS_DEFAULT_REGION="us-west-2"\n',
    ),
    Format(
        "windows-setx",
        AWS_CLI_ENV + " (Windows command prompt)",
        "setup-keys.cmd",
        "setx AWS_ACCESS_KEY_ID @KEY@\nsetx AWS_SECRET_ACCESS_KEY @SECRET@\n"
        "setx AWS_DEFAULT_REGION us-west-2\n",
    ),
    Format(
        "jenkins-aws-credentials-plugin-credentials-xml",
        "https://github.com/jenkinsci/aws-credentials-plugin (AWSCredentialsImpl: accessKey, "
        "secretKey as a Secret) and https://www.jenkins.io/doc/developer/security/secrets/",
        "credentials.xml",
        "<?xml version='1.1' encoding='UTF-8'?>\n"
        '<com.cloudbees.plugins.credentials.SystemCredentialsProvider plugin="credentials@1337">\n'
        '  <domainCredentialsMap class="hudson.util.CopyOnWriteMap$Hash">\n'
        "    <entry>\n"
        "      <com.cloudbees.plugins.credentials.domains.Domain>\n"
        "        <specifications/>\n"
        "      </com.cloudbees.plugins.credentials.domains.Domain>\n"
        "      <java.util.concurrent.CopyOnWriteArrayList>\n"
        "        <com.cloudbees.jenkins.plugins.awscredentials.AWSCredentialsImpl "
        'plugin="aws-credentials@231.v08a_59f17d742">\n'
        "          <scope>GLOBAL</scope>\n"
        "          <id>trainee-alice</id>\n"
        "          <description>alice</description>\n"
        "          <accessKey>@KEY@</accessKey>\n"
        "          <secretKey>@ENC@</secretKey>\n"
        "          <iamRoleArn></iamRoleArn>\n"
        "          <iamMfaSerialNumber></iamMfaSerialNumber>\n"
        "        </com.cloudbees.jenkins.plugins.awscredentials.AWSCredentialsImpl>\n"
        "      </java.util.concurrent.CopyOnWriteArrayList>\n"
        "    </entry>\n"
        "  </domainCredentialsMap>\n"
        "</com.cloudbees.plugins.credentials.SystemCredentialsProvider>\n",
    ),
    Format(
        "s3cmd-s3cfg",
        "https://s3tools.org/kb/item14.htm and s3cmd's S3/Config.py (s3cmd --configure)",
        ".s3cfg",
        "[default]\naccess_key = @KEY@\n" + _S3CFG_MIDDLE + "\nsecret_key = @SECRET@\n"
        "send_chunk = 65536\nsignature_v2 = False\n",
    ),
    Format(
        "boto-config",
        "http://boto.cloudhackers.com/en/latest/boto_config_tut.html",
        ".boto",
        "[Credentials]\naws_access_key_id = @KEY@\naws_secret_access_key = @SECRET@\n\n"
        "[Boto]\ndebug = 0\nnum_retries = 10\n",
    ),
    Format(
        "terraform-provider-block",
        "https://registry.terraform.io/providers/hashicorp/aws/latest/docs (static credentials)",
        "main.tf",
        'provider "aws" {\n  region     = "us-west-2"\n  access_key = "@KEY@"\n'
        '  secret_key = "@SECRET@"\n}\n\nresource "aws_s3_bucket" "site" {\n'
        '  bucket = "dojo-site"\n}\n',
    ),
    Format(
        "terraform-tfvars",
        "https://developer.hashicorp.com/terraform/language/values/variables "
        "(variable definitions .tfvars files)",
        "terraform.tfvars",
        'region = "ap-northeast-1"\naws_access_key = "@KEY@"\naws_secret_key = "@SECRET@"\n',
    ),
    Format(
        "laravel-env",
        "https://github.com/laravel/laravel/blob/11.x/.env.example",
        ".env",
        "APP_NAME=Laravel\nAPP_ENV=production\nAPP_DEBUG=false\nAPP_URL=http://localhost\n\n"
        "DB_CONNECTION=mysql\nDB_HOST=127.0.0.1\nDB_PORT=3306\nDB_DATABASE=laravel\n\n"
        "AWS_ACCESS_KEY_ID=@KEY@\nAWS_DEFAULT_REGION=us-east-1\nAWS_BUCKET=dojo-uploads\n"
        "AWS_USE_PATH_STYLE_ENDPOINT=false\nMAIL_MAILER=log\nMAIL_HOST=127.0.0.1\n"
        "MAIL_PORT=2525\nAWS_SECRET_ACCESS_KEY=@SECRET@\n",
    ),
    Format(
        "iam-console-new-user-credentials-csv",
        IAM_KEYS + " (Download .csv file, new user)",
        "new_user_credentials.csv",
        "User name,Password,Access key ID,Secret access key,Console login link\n"
        "alice,,@KEY@,@SECRET@,https://111111111111.signin.aws.amazon.com/console\n",
        named=False,
    ),
    Format(
        "iam-console-access-keys-csv",
        IAM_KEYS + " (Download .csv file, access key)",
        "alice_accessKeys.csv",
        "Access key ID,Secret access key\n@KEY@,@SECRET@\n",
        named=False,
    ),
    Format(
        "aws-iam-create-access-key-json",
        "https://docs.aws.amazon.com/cli/latest/reference/iam/create-access-key.html",
        "create-access-key.json",
        '{\n    "AccessKey": {\n        "UserName": "Bob",\n        "Status": "Active",\n'
        '        "CreateDate": "2015-03-09T18:39:23.411Z",\n'
        '        "SecretAccessKey": "@SECRET@",\n        "AccessKeyId": "@KEY@"\n    }\n}\n',
    ),
    Format(
        "aws-sts-assume-role-json",
        "https://docs.aws.amazon.com/cli/latest/reference/sts/assume-role.html",
        "assume-role.json",
        '{\n    "AssumedRoleUser": {\n        "AssumedRoleId": "AROA3XFRBF535PLBIFPI4:s3-access",\n'
        '        "Arn": "arn:aws:sts::123456789012:assumed-role/xaccounts3access/s3-access"\n'
        '    },\n    "Credentials": {\n        "SecretAccessKey": "@SECRET@",\n'
        '        "SessionToken": "@TOKEN@",\n        "Expiration": "2016-03-15T00:05:07Z",\n'
        '        "AccessKeyId": "@KEY@"\n    }\n}\n',
        prefix="ASIA",
    ),
    Format(
        "story-flat-file-of-trainee-keys",
        "docs/architecture.md, The problem: a flat text file on the host held every trainee account's keys",
        "trainee-keys.txt",
        "# name,account,key,secret\nalice,111111111111,@KEY@,@SECRET@\n",
        named=False,
    ),
    Format(
        "docker-env-file",
        DOCKER_RUN + " (--env-file)",
        "aws.env",
        "# This is a comment\nAWS_ACCESS_KEY_ID=@KEY@\nAWS_SECRET_ACCESS_KEY=@SECRET@\n",
        prefix="ABIA",
    ),
    Format(
        "docker-run-e-in-a-script",
        DOCKER_RUN + " (-e, --env)",
        "sync.sh",
        "#!/bin/sh\nset -eu\ndocker run --rm -e AWS_ACCESS_KEY_ID=@KEY@ "
        "-e AWS_SECRET_ACCESS_KEY=@SECRET@ amazon/aws-cli s3 ls\n",
    ),
    Format(
        "docker-compose-environment",
        "https://docs.docker.com/compose/how-tos/environment-variables/set-environment-variables/",
        "compose.yaml",
        "services:\n  web:\n    image: amazon/aws-cli\n    environment:\n"
        "      - AWS_ACCESS_KEY_ID=@KEY@\n      - AWS_SECRET_ACCESS_KEY=@SECRET@\n",
    ),
    Format(
        "github-actions-env",
        "https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/"
        "store-information-in-variables",
        "deploy.yml",
        "name: deploy\non: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    env:\n"
        "      AWS_ACCESS_KEY_ID: @KEY@\n      AWS_SECRET_ACCESS_KEY: @SECRET@\n"
        "    steps:\n      - run: aws s3 sync build/ s3://dojo-site\n",
        prefix="ACCA",
    ),
    Format(
        "github-actions-configure-aws-credentials",
        "https://github.com/aws-actions/configure-aws-credentials (README, with: inputs)",
        "release.yml",
        "jobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n"
        "          aws-access-key-id: @KEY@\n          aws-secret-access-key: @SECRET@\n"
        "          aws-region: us-east-2\n",
    ),
    Format(
        "kubernetes-secret-stringdata",
        K8S_SECRET + " (stringData)",
        "aws-secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: aws-credentials\ntype: Opaque\n"
        'stringData:\n  AWS_ACCESS_KEY_ID: "@KEY@"\n  AWS_SECRET_ACCESS_KEY: "@SECRET@"\n',
    ),
    Format(
        "kubernetes-secret-data-base64",
        K8S_SECRET + " (data, base64-encoded)",
        "aws-secret-data.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: aws-credentials\ntype: Opaque\n"
        "data:\n  AWS_ACCESS_KEY_ID: @B64KEY@\n  AWS_SECRET_ACCESS_KEY: @B64SECRET@\n",
    ),
    Format(
        "jenkinsfile-sh-inline-env",
        "https://www.jenkins.io/doc/pipeline/steps/workflow-durable-task-step/#sh-shell-script",
        "Jenkinsfile",
        "pipeline {\n  agent any\n  stages {\n    stage('Deploy') {\n      steps {\n"
        "        sh 'AWS_ACCESS_KEY_ID=@KEY@ AWS_SECRET_ACCESS_KEY=@SECRET@ aws s3 sync build/ "
        "s3://dojo-site'\n      }\n    }\n  }\n}\n",
    ),
    Format(
        "java-sdk-properties-credentials",
        "https://docs.aws.amazon.com/AWSJavaSDK/latest/javadoc/com/amazonaws/auth/"
        "PropertiesCredentials.html",
        "AwsCredentials.properties",
        "#Insert your AWS Credentials\naccessKey = @KEY@\nsecretKey = @SECRET@\n",
        prefix="A3TX",
    ),
    Format(
        "boto3-client-parameters-in-code",
        "https://boto3.amazonaws.com/v1/documentation/api/latest/guide/credentials.html "
        "(passing credentials as parameters)",
        "upload.py",
        "import boto3\n\nclient = boto3.client(\n    's3',\n    aws_access_key_id='@KEY@',\n"
        "    aws_secret_access_key='@SECRET@',\n)\n",
    ),
    Format(
        "nodejs-sdk-json-config",
        "https://docs.aws.amazon.com/sdk-for-javascript/v2/developer-guide/"
        "loading-node-credentials-json-file.html",
        "config.json",
        '{ "accessKeyId": "@KEY@", "secretAccessKey": "@SECRET@", "region": "us-east-1" }\n',
    ),
    Format(
        "rclone-conf",
        "https://rclone.org/s3/ (rclone config, AWS provider)",
        "rclone.conf",
        "[remote]\ntype = s3\nprovider = AWS\nenv_auth = false\naccess_key_id = @KEY@\n"
        "secret_access_key = @SECRET@\nregion = us-east-1\n",
    ),
    Format(
        "s3fs-passwd",
        "https://github.com/s3fs-fuse/s3fs-fuse (README: ACCESS_KEY_ID:SECRET_ACCESS_KEY)",
        ".passwd-s3fs",
        "@KEY@:@SECRET@\n",
        named=False,
    ),
    Format(
        "ansible-vars",
        "https://docs.ansible.com/ansible/latest/collections/amazon/aws/docsite/aws_intro.html",
        "group_vars/all.yml",
        "---\naws_region: ap-northeast-1\naws_access_key: @KEY@\naws_secret_key: @SECRET@\n",
    ),
    Format(
        "hadoop-s3a-core-site-xml",
        "https://hadoop.apache.org/docs/stable/hadoop-aws/tools/hadoop-aws/index.html "
        "(fs.s3a.access.key, fs.s3a.secret.key)",
        "core-site.xml",
        "<configuration>\n  <property>\n    <name>fs.s3a.access.key</name>\n"
        "    <value>@KEY@</value>\n  </property>\n  <property>\n"
        "    <name>fs.s3a.secret.key</name>\n    <value>@SECRET@</value>\n  </property>\n"
        "</configuration>\n",
    ),
    Format(
        "dotnet-app-config",
        "https://docs.aws.amazon.com/sdk-for-net/v2/developer-guide/net-dg-config-creds.html "
        "(App.config appSettings AWSAccessKey, AWSSecretKey)",
        "App.config",
        '<configuration>\n  <appSettings>\n    <add key="AWSProfileName" value="trainee"/>\n'
        '    <add key="AWSAccessKey" value="@KEY@"/>\n'
        '    <add key="AWSSecretKey" value="@SECRET@"/>\n  </appSettings>\n</configuration>\n',
    ),
    Format(
        "serverless-config-credentials",
        "https://www.serverless.com/framework/docs/providers/aws/cli-reference/config-credentials",
        "bootstrap.sh",
        "serverless config credentials --provider aws --key @KEY@ --secret @SECRET@\n",
        named=False,
    ),
]

# The shapes the issue named as slipping through the guard and the redactor: each must be
# refused and redacted (``S`` a secret, ``K`` a key id).
ISSUE_SHAPES = {
    "aws_secret_access_key=S": "aws_secret_access_key=@SECRET@",
    "SecretAccessKey=S": "SecretAccessKey=@SECRET@",
    "S followed by =": "@SECRET@=",
    "S in a tag value": "Name=owner,Value=@SECRET@",
    "ABIA key id": "@ABIA@",
    "ACCA key id": "@ACCA@",
    "A3T key id": "@A3TX@",
    "key id after =": "AWS_ACCESS_KEY_ID=@AKIA@",
    "token after =": "AWS_SESSION_TOKEN=@TOKEN@",
    # A presigned URL (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ShareObjectPreSignedURL.html)
    # carries the token URL-encoded; a form post the secret.
    "URL-encoded token": "https://dojo.s3.amazonaws.com/k?X-Amz-Credential=@ASIA@%2F20261201"
    "&X-Amz-Security-Token=@URLTOKEN@&X-Amz-Signature=0a1b",
    "URL-encoded secret": "secret_key=@URLSECRET@&region=us-east-1",
}

# Harmless values: identifiers, digests and prose that no scan, guard or redactor may take for a
# credential (AROA/AIDA unique ids are AWS's own names for a role and a user, not secrets).
HARMLESS = [
    "arn:aws:sts::111111111111:assumed-role/ManageEnvRole/op@dojo-2026-12",
    "AROA3XFRBF535PLBIFPI4:op@dojo-2026-12",  # a principal id: role id and session
    "AIDAJQABLZS4A3QDU576Q",  # an IAM user id
    "ANPAJ2UCCR6DPCEXAMPLE",  # a managed policy id
    "commit 3f786850e387550fdab836ed7e6dc881de23001b",  # 40 hex digits
    "3F786850E387550FDAB836ED7E6DC881DE23001B",  # upper-case hex
    "sha1: 0123456789abcdef0123456789abcdef01234567",
    "c7a7f8e2-5d1b-4c4e-9f0a-1b2c3d4e5f60",
    "ZXhhbXBsZSBleHRlbmRlZCBzMyByZXF1ZXN0IGlkIHRoYXQgaXMgbG9uZyBidXQgbm90IHRoYXQ=",
    "/home/ssm-user/courses/dojo-2026-12/templates/cluster-stack.yaml",
    "AKIA****MPLE",  # already masked
    "aws_secret_access_key = ${{ secrets.AWS_SECRET_ACCESS_KEY }}",  # a reference, not a value
    "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: iam:CreateUser",
    # 40-character CamelCase names (botocore shapes) have the entropy of a secret, not its look.
    "An error occurred (RedshiftIdcApplicationAlreadyExistsFault)",
    "GetIpamPrefixListResolverVersionsRequest",
    "stack event: ListDbSystemShapesInputShapeFamilyString failed",
    "templates/ClusterStack/NodeGroupTemplates",
]


def issue_shape_text(template: str, values: Values) -> str:
    """An :data:`ISSUE_SHAPES` template with ``values``' key ids, secret and token."""
    quoted = {
        "@URLSECRET@": urllib.parse.quote(values.secret, safe=""),
        "@URLTOKEN@": urllib.parse.quote(values.token, safe=""),
    }
    text = template.replace("@SECRET@", values.secret).replace("@TOKEN@", values.token)
    for marker, value in quoted.items():
        text = text.replace(marker, value)
    for prefix, key in values.keys.items():
        text = text.replace(f"@{prefix}@", key)
    return text


VALUES = Values.make()
CREDENTIAL_MARKERS = ("@KEY@", "@SECRET@", "@TOKEN@", "@ENC@", "@B64KEY@", "@B64SECRET@")


def credential_lines() -> list[tuple[str, str]]:
    """(id, line) for every line of every format that holds a credential, and the issue's
    shapes: what the guard must refuse and the redactor remove."""
    cases = []
    for fmt in FORMATS:
        for number, line in enumerate(fmt.template.splitlines(), start=1):
            if any(marker in line for marker in CREDENTIAL_MARKERS):
                rendered = Format(fmt.name, fmt.source, "", line, fmt.prefix).render(VALUES)
                cases.append((f"{fmt.name}:{number}", rendered))
    for name, template in ISSUE_SHAPES.items():
        cases.append((name, issue_shape_text(template, VALUES)))
    return cases
