package io.fusion4j.api.router;

import java.util.List;

/**
 * One option a {@link RouterProvider} accepts in a model config: its name, its type, its default (null when it must be
 * given) and, for {@link Type#CHOICE}, the allowed values. {@code fusion4j routers} prints these.
 */
public record RouterOption(String name, Type type, Object defaultValue, List<String> choices, String description) {
    /** The closed set of option types; values arrive from JSON as numbers, booleans, strings or nested objects. */
    public enum Type {
        NUMBER, INTEGER, BOOLEAN, CHOICE, ROUTER;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public RouterOption {
        if (name == null || name.isBlank() || type == null) {
            throw new IllegalArgumentException("a router option needs a name and a type");
        }
        choices = choices == null ? List.of() : List.copyOf(choices);
        if (type == Type.CHOICE && choices.isEmpty()) {
            throw new IllegalArgumentException("choice option '" + name + "' lists no values");
        }
        description = description == null ? "" : description;
    }

    public static RouterOption number(String name, double dflt, String description) {
        return new RouterOption(name, Type.NUMBER, dflt, null, description);
    }

    public static RouterOption integer(String name, Integer dflt, String description) {
        return new RouterOption(name, Type.INTEGER, dflt, null, description);
    }

    public static RouterOption bool(String name, boolean dflt, String description) {
        return new RouterOption(name, Type.BOOLEAN, dflt, null, description);
    }

    public static RouterOption choice(String name, String dflt, List<String> choices, String description) {
        return new RouterOption(name, Type.CHOICE, dflt, choices, description);
    }

    public static RouterOption router(String name, RouterSpec dflt, String description) {
        return new RouterOption(name, Type.ROUTER, dflt, null, description);
    }

    /** {@code capacity (number, default 1.0): ...} as {@code fusion4j routers} prints it. */
    public String describe() {
        String t = type == Type.CHOICE ? String.join("|", choices) : type.label();
        String d = defaultValue == null ? "required" : "default " + defaultValue;
        return name + " (" + t + ", " + d + ")" + (description.isEmpty() ? "" : ": " + description);
    }
}
