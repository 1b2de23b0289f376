; Driving with action costs: road lengths from the problem, a fixed-cost teleport.
(define (domain roads)
  (:requirements :typing :action-costs)
  (:types city)
  (:constants depot - city)
  (:predicates (at ?c - city) (road ?a - city ?b - city) (visited ?c - city))
  (:functions (total-cost) - number
              (road-length ?a - city ?b - city) - number)
  (:action drive
    :parameters (?a - city ?b - city)
    :precondition (and (at ?a) (road ?a ?b))
    :effect (and (not (at ?a)) (at ?b) (visited ?b)
                 (increase (total-cost) (road-length ?a ?b))))
  (:action teleport
    :parameters (?b - city)
    :precondition (at depot)
    :effect (and (not (at depot)) (at ?b) (visited ?b) (increase (total-cost) 10))))
