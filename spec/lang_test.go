package spec_test

import (
	"flag"
	"fmt"
	"os"

	"github.com/echospec/echospec/props"
)

// langFlag is the language of the hints in failures: en (the default) or
// zh. It is not taken from the locale, so that a grader's LANG never
// changes a verdict's text; tools/check passes its own choice on.
var langFlag = flag.String("lang", os.Getenv(props.EnvLang), "the language of the failures' hints: en or zh (also $"+props.EnvLang+"; default en)")

// lang is the language the flag names; a name the kit does not speak is a
// mistake the suite stops on at its start (see TestSpec).
func lang() props.Lang {
	l, _ := props.ParseLang(*langFlag)
	return l
}

// checkLang says what is wrong with --lang, or nil.
func checkLang() error {
	if *langFlag == "" {
		return nil
	}
	if _, ok := props.ParseLang(*langFlag); !ok {
		return fmt.Errorf("--lang %q: the kit speaks en and zh", *langFlag)
	}
	return nil
}
