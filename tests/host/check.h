/*
 * check.h - the tiny test framework shared by every host unit test.
 *
 * A host test is one C file with TEST(name) functions and a main made by
 * TEST_MAIN(). Each TEST prints "ok NAME" or "FAIL NAME: file:line: what",
 * and the binary ends with "BINARY: N passed, M failed" (exit status 1 if
 * any failed). The top-level runner (tests/run_host.sh) sums those lines.
 *
 * Host tests are compiled for Linux with libc; the code under test is the
 * same pure C that goes into the hypervisor.
 */
#ifndef NESTOR_TESTS_CHECK_H
#define NESTOR_TESTS_CHECK_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

extern int check_failed_in_case;
extern const char *check_case_name;

#define CHECK_FAIL_AT(file, line, ...)                                         \
	do {                                                                   \
		if (!check_failed_in_case)                                     \
			printf("FAIL %s: %s:%d: ", check_case_name, file,      \
			       line);                                          \
		else                                                           \
			printf("     %s: %s:%d: ", check_case_name, file,      \
			       line);                                          \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
		check_failed_in_case++;                                        \
	} while (0)

/* CHECK(cond): record a failure (and keep going) when cond is false. */
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			CHECK_FAIL_AT(__FILE__, __LINE__, "%s", #cond);        \
	} while (0)

/* CHECK_EQ(a, b): integer equality, printing both values in hex. */
#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);   \
		if (check_a_ != check_b_)                                      \
			CHECK_FAIL_AT(__FILE__, __LINE__,                      \
				      "%s == %s: 0x%" PRIx64 " != 0x%" PRIx64, \
				      #a, #b, check_a_, check_b_);             \
	} while (0)

/* CHECK_STR(a, b): C-string equality. */
#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *check_sa_ = (a), *check_sb_ = (b);                 \
		if (strcmp(check_sa_, check_sb_) != 0)                         \
			CHECK_FAIL_AT(__FILE__, __LINE__,                      \
				      "%s == %s: \"%s\" != \"%s\"", #a, #b,    \
				      check_sa_, check_sb_);                   \
	} while (0)

#define TEST_MAX_CASES 512
extern struct test_case test_cases[TEST_MAX_CASES];
extern int test_case_count;

/* TEST(name) { ... } defines a case and registers it before main runs. */
#define TEST(name)                                                             \
	static void test_##name(void);                                         \
	__attribute__((constructor)) static void register_##name(void)         \
	{                                                                      \
		if (test_case_count < TEST_MAX_CASES)                          \
			test_cases[test_case_count++] =                        \
				(struct test_case){ #name, test_##name };      \
	}                                                                      \
	static void test_##name(void)

#define TEST_MAIN()                                                            \
	int check_failed_in_case;                                              \
	const char *check_case_name;                                           \
	struct test_case test_cases[TEST_MAX_CASES];                           \
	int test_case_count;                                                   \
	int main(int argc, char **argv)                                        \
	{                                                                      \
		int passed = 0, failed = 0;                                    \
		(void)argc;                                                    \
		for (int i = 0; i < test_case_count; i++) {                    \
			check_failed_in_case = 0;                              \
			check_case_name = test_cases[i].name;                  \
			test_cases[i].fn();                                    \
			if (check_failed_in_case) {                            \
				failed++;                                      \
			} else {                                               \
				passed++;                                      \
				printf("ok %s\n", test_cases[i].name);         \
			}                                                      \
		}                                                              \
		const char *slash = strrchr(argv[0], '/');                     \
		printf("%s: %d passed, %d failed\n",                           \
		       slash ? slash + 1 : argv[0], passed, failed);           \
		return failed ? 1 : 0;                                         \
	}

#endif
