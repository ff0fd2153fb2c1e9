// The tokens every test host is started with: domains in tests join with these.
export const CLUSTER_TOKEN = "test-cluster-token";
export const DOM0_TOKEN = "test-dom0-token";
