/**
 * Every test process starts from an environment that cannot reach AWS: a
 * client that forgets its endpoint hits a closed loopback port, with dummy
 * credentials, and never asks the instance metadata service or a profile.
 */
process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9';
process.env.AWS_ACCESS_KEY_ID = 'testing';
process.env.AWS_SECRET_ACCESS_KEY = 'testing';
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
delete process.env.AWS_PROFILE;
delete process.env.AWS_SESSION_TOKEN;
