package io.fusion4j.api.router;

import io.fusion4j.api.autograd.Var;

/**
 * Sees the decisions of the batch-routing routers of a pass as they are made (the labels auxiliary routers learn
 * from): router {@code router} (its parameter prefix) routed {@code hidden [n, dim]} as {@code routing}; rows where
 * {@code valid} is false are padding and carry no decision ({@code valid} null: every row counts).
 */
@FunctionalInterface
public interface RoutingTap {
    void routed(String router, Var hidden, Routing routing, boolean[] valid);
}
