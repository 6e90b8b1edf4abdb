export const SERVICE_NAME = 'channel-service';
export const SERVICE_VERSION = '0.1.0';
export const USER_AGENT = `${SERVICE_NAME}/${SERVICE_VERSION}`;
