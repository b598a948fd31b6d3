// Under AddressSanitizer, an allocation the allocator cannot serve returns null (as malloc
// does without ASan) instead of aborting, so tests can check that tapegrad turns a refused
// allocation into a tg::Error.
#if defined(__SANITIZE_ADDRESS__)
#define TG_TEST_ASAN_OPTIONS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TG_TEST_ASAN_OPTIONS 1
#endif
#endif

#ifdef TG_TEST_ASAN_OPTIONS
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }
#endif
