package org.kernelir.runtime.plugins;

/** What became of a provider or a plugin JAR when kernel-ir tried to load it. */
public enum LoadState {
    /** Registered and usable: dispatch and lowering may choose it. */
    LOADED,
    /** Registered, but it reported that it cannot run on this machine (the message says why); dispatch skips it. */
    UNAVAILABLE,
    /** Could not be loaded (a broken JAR, a throwing constructor, a name clash...); the message says what to do. */
    FAILED,
    /** Deliberately not loaded (an incompatible {@code Plugin-Requires}, a disabled plugin, a missing dependency). */
    SKIPPED
}
