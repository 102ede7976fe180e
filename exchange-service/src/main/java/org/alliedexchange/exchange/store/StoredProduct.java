package org.alliedexchange.exchange.store;

import java.util.UUID;

/**
 * A product as stored: the exact bytes that were signed, and where it sits in the product order
 * ({@code seq}, for search cursors) and in the live feed ({@code position}, for subscribe cursors;
 * 0 when read outside the feed).
 */
public record StoredProduct(
    long seq, long position, UUID id, String topic, byte[] label, byte[] content, byte[] binding) {}
