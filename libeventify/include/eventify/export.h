// EVENTIFY_EXPORT: what libeventify's shared libraries (libeventify, libeventify_soci,
// libeventify_redis, libeventify_smtp) show to a program. They are compiled with hidden symbols
// (-fvisibility=hidden -fvisibility-inlines-hidden), so that only the public API is part of their
// ABI; everything a public header declares and a .cc file defines carries this macro:
//   - every class with virtual functions or a member defined out of line:
//       class EVENTIFY_EXPORT Accounts { ... };
//   - every free function defined in a .cc file:
//       EVENTIFY_EXPORT std::string_view RoleName(Role role);
// Plain structs whose members are all defined in the header, enums, templates and inline functions
// need nothing. docs/architecture.md, "Public headers and what they promise", has the rule for new
// headers; the installed-consumer tests (tests/consumer/) link a program against the shared
// libraries and fail on a forgotten macro.
//
// In a static build the macro changes nothing a program can see. Windows DLLs are not supported
// (one macro for several libraries would need dllexport and dllimport per library); the Conan
// recipe refuses a shared build there.
#pragma once

// The attribute is spelled [[gnu::...]] so that it can follow [[nodiscard]] (class [[nodiscard]]
// EVENTIFY_EXPORT Status), which __attribute__ cannot.
#if defined(__GNUC__) || defined(__clang__)
#define EVENTIFY_EXPORT [[gnu::visibility("default")]]
#else
#define EVENTIFY_EXPORT
#endif
