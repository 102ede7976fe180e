package org.alliedexchange.hotline.line;

/**
 * One item of a conference as a node holds it, for chain heads.
 *
 * @param origin the nation whose stream it belongs to
 * @param sequence its number in that stream
 * @param contentSha256 SHA-256 of the item's RelayContent bytes as signed by the origin
 */
public record RelayItemDigest(String origin, long sequence, byte[] contentSha256) {}
