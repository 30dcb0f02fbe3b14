import { silenceSdkNodeVersionWarning } from '../lib/local/sdk-warnings';

silenceSdkNodeVersionWarning();
