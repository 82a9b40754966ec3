/**
 * An example router from outside fusion4j: {@code hash} sends every token to one expert chosen by hashing its token
 * id. A jar with this module on the module path is all it takes for a model config to name it
 * ({@code "router": {"name": "hash"}}); README "Adding a router" walks through it.
 */
module io.fusion4j.examples.routerhash {
    requires io.fusion4j.api;

    provides io.fusion4j.api.router.RouterProvider with io.fusion4j.examples.routerhash.HashRouterProvider;
}
